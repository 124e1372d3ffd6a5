// Splitting a command line into commands and words, as virsh does: words
// separated by blanks, '…' literal, "…" with backslash escapes, a backslash
// escapes the next character, ';' or a newline ends a command, '#' at the
// start of a word comments out the rest of the line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace stratus::cli {

using Words = std::vector<std::string>;

// Error (virsh's wording) on an unterminated quote.
Result<std::vector<Words>> splitCommands(std::string_view line);

// "a,b,,c," -> {"a", "b", "", "c"}: an option's list of values ("" -> {}).
std::vector<std::string> splitList(std::string_view text, char sep);

}  // namespace stratus::cli
