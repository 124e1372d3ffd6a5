#include "cli/shell.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <unistd.h>

#include <editline/readline.h>

namespace stratus::cli {

namespace {
Ctl* gCtl = nullptr;
std::vector<std::string> gMatches;

std::string historyPath() {
  std::string base;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    base = x;
  else if (const char* h = std::getenv("HOME"); h && *h)
    base = std::string(h) + "/.cache";
  else
    return {};
  std::error_code ec;
  std::filesystem::create_directories(base + "/stratus", ec);
  return base + "/stratus/history";
}

char* generator(const char*, int state) {
  if (static_cast<std::size_t>(state) >= gMatches.size()) return nullptr;
  return strdup(gMatches[static_cast<std::size_t>(state)].c_str());
}

char** complete(const char* text, int start, int) {
  rl_attempted_completion_over = 1;
  gMatches = completeWord(gCtl, std::string_view(rl_line_buffer, static_cast<std::size_t>(start)), text);
  if (gMatches.empty()) return nullptr;
  return rl_completion_matches(text, generator);
}
}  // namespace

std::vector<std::string> completeWord(Ctl* ctl, std::string_view line, std::string_view word) {
  std::vector<std::string> out;
  // Only the current command (after the last ';') matters.
  if (auto semi = line.rfind(';'); semi != std::string_view::npos) line = line.substr(semi + 1);
  auto words = splitCommands(line);
  if (!words || words->empty() || words->back().empty()) {
    for (const auto& c : commandTable())
      if (c.name.starts_with(word)) out.emplace_back(c.name);
    return out;
  }
  const CmdDef* def = findCommand(words->back()[0]);
  if (!def) return out;
  if (word.starts_with("-")) {
    for (const auto& o : def->opts) {
      std::string name = fmt::format("--{}", o.name);
      if (name.starts_with(word)) out.push_back(std::move(name));
    }
    return out;
  }
  bool takesDomain = false, takesNetwork = false;
  for (const auto& o : def->opts) {
    takesDomain |= o.name == "domain";
    takesNetwork |= o.name == "network";
  }
  if ((takesDomain || takesNetwork) && ctl) {
    if (auto* conn = ctl->conn()) {
      if (takesDomain)
        if (auto doms = conn->listDomains())
          for (const auto& d : *doms)
            if (d.name.starts_with(word)) out.push_back(d.name);
      if (takesNetwork)
        if (auto nets = conn->listNetworks())
          for (const auto& n : *nets)
            if (n.name.starts_with(word)) out.push_back(n.name);
    }
  }
  return out;
}

int runShell(Ctl& ctl) {
  ctl.interactive = true;
  gCtl = &ctl;
  bool tty = isatty(STDIN_FILENO);
  std::string hist = historyPath();
  if (tty) {
    rl_readline_name = const_cast<char*>("stratus");
    rl_attempted_completion_function = complete;
    using_history();
    if (!hist.empty()) read_history(hist.c_str());
    if (!ctl.quiet)
      std::printf("Welcome to stratus, the virtualization interactive terminal.\n\n"
                  "Type:  'help' for help with commands\n"
                  "       'quit' to quit\n\n");
  }
  const char* prompt = geteuid() == 0 ? "stratus # " : "stratus $ ";
  bool ok = true;
  while (!ctl.exitRequested()) {
    std::string line;
    if (tty) {
      char* raw = readline(prompt);
      if (!raw) {
        std::printf("\n");
        break;
      }
      line = raw;
      std::free(raw);
      if (line.find_first_not_of(" \t") != std::string::npos) add_history(line.c_str());
    } else {
      char* raw = nullptr;
      std::size_t cap = 0;
      ssize_t n = getline(&raw, &cap, stdin);
      if (n < 0) {
        std::free(raw);
        break;
      }
      line.assign(raw, static_cast<std::size_t>(n));
      std::free(raw);
    }
    ok = ctl.runLine(line);
  }
  if (tty && !hist.empty()) {
    write_history(hist.c_str());
    history_truncate_file(hist.c_str(), 500);
  }
  gCtl = nullptr;
  return ok ? 0 : 1;
}

}  // namespace stratus::cli
