// `--xpath EXPR [--wrap]` of the *dumpxml commands: the nodes an XPath
// expression selects from an XML document, printed as virsh prints them
// (libxml2's layout: elements indented by two blanks, attributes in double
// quotes, an attribute alone as ` name="value"`, one result per line; with
// --wrap all of them under one <nodes> element).
#pragma once

#include <string>
#include <string_view>

#include "util/error.h"

namespace stratus::cli {

// The text to print (each result newline-terminated). Errors: a document that
// does not parse (XmlSyntax), an expression that is not valid XPath or does
// not select nodes (InternalError "Incorrect xpath 'EXPR'", virsh's words).
Result<std::string> xpathDump(std::string_view xml, const std::string& expr, bool wrap);

}  // namespace stratus::cli
