// The command model of the CLI: option definitions, parsed commands, and the
// context handlers run in. One table (commands.cpp) lists every command.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/node_service.h"
#include "util/error.h"

namespace stratus::cli {

enum class OptType {
  Bool,    // --flag
  String,  // --name <string>
  Int,     // --name <number>
  Argv,    // [--name] <string>... : every remaining positional word
};

struct OptDef {
  std::string_view name;
  OptType type = OptType::Bool;
  bool required = false;
  bool positional = false;  // may be given without its --name, in table order
  std::string_view help;
};

class Ctl;
struct ParsedCmd;
using Handler = bool (*)(Ctl&, const ParsedCmd&);

struct CmdDef {
  std::string_view name;
  std::string_view group;
  std::string_view summary;  // one line, for `help`
  std::string_view description;
  std::vector<OptDef> opts;
  Handler run = nullptr;
  bool needsConnection = true;
  bool trailingBlank = true;  // virsh prints an empty line after most commands
};

// The options of one command as given on the command line.
struct ParsedCmd {
  const CmdDef* def = nullptr;
  std::map<std::string, std::string, std::less<>> values;  // option -> value ("" for bools)

  bool has(std::string_view opt) const { return values.find(opt) != values.end(); }
  // The value, or an empty string when absent.
  const std::string& get(std::string_view opt) const;
  std::optional<std::string> find(std::string_view opt) const;
};

// Every command, in display order; lookup by name (aliases included).
std::span<const CmdDef> commandTable();
const CmdDef* findCommand(std::string_view name);

// Parse the words after the command name, virsh-style: options in any order,
// `--opt value` and `--opt=value`, positional words fill positional options in
// order. Errors carry virsh's exact message (without "error: ").
Result<ParsedCmd> parseCommand(const CmdDef& def, std::span<const std::string> args);

// Numbers as virsh reads them. Scaled: a size with an optional unit suffix
// (default KiB), returned in KiB.
std::optional<std::uint64_t> parseScaledKiB(std::string_view text);
// The same size in bytes (blockresize): no suffix means KiB.
std::optional<std::uint64_t> parseScaledBytes(std::string_view text);
std::optional<std::uint64_t> parseUnsigned(std::string_view text);

}  // namespace stratus::cli
