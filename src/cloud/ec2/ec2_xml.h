// EC2's answers: `<ActionResponse xmlns="http://ec2.amazonaws.com/doc/
// 2016-11-15/"><requestId>..</requestId>...` and its error document
// `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/>`.
#pragma once

#include <pugixml.hpp>

#include <cstdint>
#include <string>

namespace stratus::cloud::ec2 {

inline constexpr const char* kEc2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

// A document whose root is ACTIONResponse with the namespace and requestId.
pugi::xml_node beginResponse(pugi::xml_document& doc, const std::string& action, const std::string& requestId);
// <name>text</name> under `parent`; returns it.
pugi::xml_node addText(pugi::xml_node parent, const char* name, const std::string& text);
pugi::xml_node addBool(pugi::xml_node parent, const char* name, bool v);
pugi::xml_node addInt(pugi::xml_node parent, const char* name, std::int64_t v);
// The document as sent (with an XML declaration).
std::string xmlText(const pugi::xml_document& doc);
std::string errorXml(const std::string& code, const std::string& message, const std::string& requestId);

}  // namespace stratus::cloud::ec2
