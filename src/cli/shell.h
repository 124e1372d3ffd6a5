// The interactive shell: libedit line editing, history, completion.
#pragma once

#include "cli/ctl.h"

namespace stratus::cli {

// Runs until quit/exit or end of input; returns the process exit code.
int runShell(Ctl& ctl);

// Completion candidates for the word being typed (exposed for tests):
// `line` is the text before the word, `word` the partial word.
std::vector<std::string> completeWord(Ctl* ctl, std::string_view line, std::string_view word);

}  // namespace stratus::cli
