#include <cerrno>
#include <charconv>
#include <cstdint>
#include <fmt/format.h>

#include "cli/command.h"

namespace stratus::cli {

namespace {
const std::string kEmpty;

const OptDef* findOpt(const CmdDef& def, std::string_view name) {
  for (const auto& o : def.opts)
    if (o.name == name) return &o;
  return nullptr;
}

Error parseError(std::string msg) { return Error(ErrorCode::InvalidArgument, std::move(msg)); }
}  // namespace

const std::string& ParsedCmd::get(std::string_view opt) const {
  auto it = values.find(opt);
  return it == values.end() ? kEmpty : it->second;
}

std::optional<std::string> ParsedCmd::find(std::string_view opt) const {
  auto it = values.find(opt);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

Result<ParsedCmd> parseCommand(const CmdDef& def, std::span<const std::string> args) {
  ParsedCmd pc;
  pc.def = &def;
  std::size_t nextPositional = 0;  // index into def.opts
  bool onlyData = false;
  auto assignPositional = [&](const std::string& word) -> Status {
    for (; nextPositional < def.opts.size(); ++nextPositional) {
      const OptDef& o = def.opts[nextPositional];
      if (!o.positional) continue;
      if (o.type == OptType::Argv) {
        auto& v = pc.values[std::string(o.name)];
        if (!v.empty()) v += ' ';
        v += word;
        return okStatus();
      }
      if (pc.has(o.name)) continue;
      pc.values[std::string(o.name)] = word;
      ++nextPositional;
      return okStatus();
    }
    return parseError(fmt::format("unexpected data '{}'", word));
  };

  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!onlyData && a == "--") {
      onlyData = true;
      continue;
    }
    if (onlyData || a.size() < 3 || a.compare(0, 2, "--") != 0) {
      STRATUS_TRY(assignPositional(a));
      continue;
    }
    std::string_view body(a);
    body.remove_prefix(2);
    std::optional<std::string> inlineValue;
    if (auto eq = body.find('='); eq != std::string_view::npos) {
      inlineValue = std::string(body.substr(eq + 1));
      body = body.substr(0, eq);
    }
    const OptDef* o = findOpt(def, body);
    if (!o) return parseError(fmt::format("command '{}' doesn't support option --{}", def.name, body));
    // virsh takes each option once (a positional word counts as given).
    if (o->type != OptType::Argv && pc.has(o->name))
      return parseError(fmt::format("option --{} already seen", o->name));
    if (o->type == OptType::Bool) {
      if (inlineValue)
        return parseError(fmt::format("command '{}' doesn't support option --{}", def.name, a.substr(2)));
      pc.values[std::string(o->name)];
      continue;
    }
    std::string value;
    if (inlineValue) {
      value = *inlineValue;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return parseError(fmt::format("expected syntax: --{} <{}>", o->name,
                                    o->type == OptType::Int ? "number" : "string"));
    }
    if (o->type == OptType::Argv) {
      auto& v = pc.values[std::string(o->name)];
      if (!v.empty()) v += ' ';
      v += value;
    } else {
      pc.values[std::string(o->name)] = std::move(value);
    }
  }

  // virsh names every missing option, one error line each.
  std::string missing;
  for (const auto& o : def.opts) {
    if (!o.required || pc.has(o.name)) continue;
    bool data = o.positional && (o.type == OptType::String || o.type == OptType::Argv);
    if (!missing.empty()) missing += "\nerror: ";
    missing += data ? fmt::format("command '{}' requires <{}> option", def.name, o.name)
                    : fmt::format("command '{}' requires --{} option", def.name, o.name);
  }
  if (!missing.empty()) return parseError(std::move(missing));
  return pc;
}

std::optional<std::uint64_t> parseUnsigned(std::string_view text) {
  std::uint64_t v = 0;
  if (text.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> parseScaledKiB(std::string_view text) {
  auto bytes = parseScaledBytes(text);
  if (!bytes) return std::nullopt;
  return *bytes / 1024 + (*bytes % 1024 ? 1 : 0);
}

std::optional<std::uint64_t> parseScaledBytes(std::string_view text) {
  std::uint64_t v = 0;
  if (text.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p == text.data()) return std::nullopt;
  std::string suffix(p, text.data() + text.size());
  for (auto& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // Bytes-based units; "KiB" is the default.
  std::uint64_t bytesPer = 1024;
  static constexpr std::pair<std::string_view, std::uint64_t> kUnits[] = {
      {"", 1024},          {"b", 1},
      {"bytes", 1},        {"k", 1024},
      {"kib", 1024},       {"kb", 1000},
      {"m", 1ull << 20},   {"mib", 1ull << 20},
      {"mb", 1000000},     {"g", 1ull << 30},
      {"gib", 1ull << 30}, {"gb", 1000000000},
      {"t", 1ull << 40},   {"tib", 1ull << 40},
      {"tb", 1000000000000ull}};
  bool found = false;
  for (const auto& [name, mult] : kUnits)
    if (suffix == name) {
      bytesPer = mult;
      found = true;
      break;
    }
  if (!found) return std::nullopt;
  if (v != 0 && bytesPer > UINT64_MAX / v) return std::nullopt;
  return v * bytesPer;
}

}  // namespace stratus::cli
