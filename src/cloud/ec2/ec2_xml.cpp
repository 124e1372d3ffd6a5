#include "cloud/ec2/ec2_xml.h"

#include <sstream>

namespace stratus::cloud::ec2 {

pugi::xml_node beginResponse(pugi::xml_document& doc, const std::string& action, const std::string& requestId) {
  auto root = doc.append_child((action + "Response").c_str());
  root.append_attribute("xmlns") = kEc2Namespace;
  addText(root, "requestId", requestId);
  return root;
}

pugi::xml_node addText(pugi::xml_node parent, const char* name, const std::string& text) {
  auto n = parent.append_child(name);
  n.text() = text.c_str();
  return n;
}

pugi::xml_node addBool(pugi::xml_node parent, const char* name, bool v) { return addText(parent, name, v ? "true" : "false"); }

pugi::xml_node addInt(pugi::xml_node parent, const char* name, std::int64_t v) {
  return addText(parent, name, std::to_string(v));
}

std::string xmlText(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw, pugi::encoding_utf8);
  std::string s = out.str();
  // pugixml writes <?xml version="1.0"?>; EC2 names the encoding.
  const std::string decl = "<?xml version=\"1.0\"?>";
  if (s.rfind(decl, 0) == 0) s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + s.substr(decl.size());
  return s;
}

std::string errorXml(const std::string& code, const std::string& message, const std::string& requestId) {
  pugi::xml_document doc;
  auto r = doc.append_child("Response");
  auto e = r.append_child("Errors").append_child("Error");
  addText(e, "Code", code);
  addText(e, "Message", message);
  addText(r, "RequestID", requestId);
  return xmlText(doc);
}


}  // namespace stratus::cloud::ec2
