#include "cli/split.h"

namespace stratus::cli {

Result<std::vector<Words>> splitCommands(std::string_view line) {
  std::vector<Words> cmds;
  Words cur;
  std::string word;
  bool inWord = false;
  auto endWord = [&] {
    if (inWord) cur.push_back(std::move(word));
    word.clear();
    inWord = false;
  };
  auto endCmd = [&] {
    endWord();
    if (!cur.empty()) cmds.push_back(std::move(cur));
    cur.clear();
  };
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      endWord();
    } else if (c == ';' || c == '\n') {
      endCmd();
    } else if (c == '#' && !inWord) {
      while (i < line.size() && line[i] != '\n') ++i;
      endCmd();
    } else if (c == '\\') {
      inWord = true;
      if (i + 1 < line.size()) word += line[++i];
    } else if (c == '\'') {
      inWord = true;
      auto close = line.find('\'', i + 1);
      if (close == std::string_view::npos)
        return Error(ErrorCode::InvalidArgument, "missing \'");
      word.append(line.substr(i + 1, close - i - 1));
      i = close;
    } else if (c == '"') {
      inWord = true;
      ++i;
      for (; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) ++i;
        word += line[i];
      }
      if (i >= line.size()) return Error(ErrorCode::InvalidArgument, "missing \"");
    } else {
      inWord = true;
      word += c;
    }
  }
  endCmd();
  return cmds;
}

std::vector<std::string> splitList(std::string_view text, char sep) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto at = text.find(sep);
    out.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return out;
}

}  // namespace stratus::cli
