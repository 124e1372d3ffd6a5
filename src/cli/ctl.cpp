#include "cli/ctl.h"

#include <algorithm>

#include "cli/connect.h"
#include "cli/readonly_node.h"

namespace stratus::cli {

Ctl::Ctl(std::string uri, std::FILE* out, std::FILE* err)
    : uri_(std::move(uri)), outFile_(out), errFile_(err) {}

daemon::NodeService* Ctl::conn() {
  if (node_) return node_.get();
  if (connectFailed_) return nullptr;  // reported once; `connect` tries again
  auto r = connectTo(uri_);
  if (!r) {
    error("failed to connect to the hypervisor");
    error(r.error().message);
    connectFailed_ = true;
    return nullptr;
  }
  node_ = std::move(r).value();
  if (readonly) node_ = makeReadonly(std::move(node_));
  return node_.get();
}

void Ctl::setConnection(std::unique_ptr<daemon::NodeService> node, std::string uri) {
  node_ = std::move(node);
  uri_ = std::move(uri);
  connectFailed_ = false;
}

void Ctl::flush() {
  if (!out_.empty()) {
    std::fwrite(out_.data(), 1, out_.size(), outFile_);
    out_.clear();
  }
  std::fflush(outFile_);
}

void Ctl::error(std::string_view msg) {
  flush();
  std::string line = fmt::format("error: {}\n", msg);
  std::fwrite(line.data(), 1, line.size(), errFile_);
  std::fflush(errFile_);
}

void Ctl::error(const Error& e) { error(describeError(e)); }

void Ctl::progress(std::string_view text) {
  flush();
  std::fwrite(text.data(), 1, text.size(), errFile_);
  std::fflush(errFile_);
}

std::string describeError(const Error& e) {
  std::string_view prefix;
  switch (e.code) {
    case ErrorCode::InternalError: prefix = "internal error: "; break;
    case ErrorCode::InvalidArgument: prefix = "invalid argument: "; break;
    case ErrorCode::OperationInvalid: prefix = "Requested operation is not valid: "; break;
    case ErrorCode::OperationFailed: prefix = "operation failed: "; break;
    case ErrorCode::DomainExists: prefix = "operation failed: "; break;
    case ErrorCode::NoDomain: prefix = "Domain not found: "; break;
    case ErrorCode::NoNetwork: prefix = "Network not found: "; break;
    case ErrorCode::NoStoragePool: prefix = "Storage pool not found: "; break;
    case ErrorCode::NoStorageVolume: prefix = "Storage volume not found: "; break;
    case ErrorCode::Unsupported: prefix = "this function is not supported by the connection driver: "; break;
    case ErrorCode::XmlInvalid: prefix = "XML error: "; break;
    case ErrorCode::OperationTimeout: prefix = "Timed out during operation: "; break;
    case ErrorCode::DeviceMissing: prefix = "device not found: "; break;
    default: break;
  }
  std::string msg = e.where && e.where->line > 0 && e.message.find(':') == std::string::npos ? e.describe()
                                                                                            : e.message;
  // Nodes usually send libvirt's full wording already; add a prefix only when
  // the message carries none.
  static constexpr std::string_view kKnown[] = {
      "internal error: ", "invalid argument: ", "Requested operation is not valid: ", "operation failed: ",
      "Domain not found: ", "Network not found: ", "Storage pool not found: ", "Storage volume not found: ", "this function is not supported", "XML error: ", "Timed out during operation: ",
      "unsupported configuration: ", "operation forbidden: ", "Cannot ", "cannot ", "Failed to ",
      "unsupported flags", "device not found: ", "Operation not supported: ", "argument unsupported: "};
  for (auto k : kKnown)
    if (std::string_view(msg).starts_with(k)) return msg;
  if (prefix.empty()) return msg;
  return std::string(prefix) + msg;
}

bool Ctl::runLine(std::string_view line) {
  auto cmds = splitCommands(line);
  if (!cmds) {
    error(cmds.error().message);
    return false;
  }
  return runCommands(*cmds);
}

bool Ctl::runCommands(const std::vector<Words>& cmds) {
  std::vector<ParsedCmd> parsed;
  parsed.reserve(cmds.size());
  for (const auto& given : cmds) {
    const Words* wp = &given;
    Words helpWords;
    // `COMMAND --help` is `help COMMAND`.
    if (given.size() > 1 && std::find(given.begin() + 1, given.end(), "--help") != given.end() &&
        findCommand(given[0])) {
      helpWords = {"help", given[0]};
      wp = &helpWords;
    }
    const Words& words = *wp;
    const CmdDef* def = findCommand(words[0]);
    if (!def) {
      error(fmt::format("unknown command: '{}'", words[0]));
      return false;
    }
    auto pc = parseCommand(*def, std::span<const std::string>(words).subspan(1));
    if (!pc) {
      error(pc.error().message);
      return false;
    }
    parsed.push_back(std::move(pc).value());
  }
  bool ok = true;
  for (const auto& pc : parsed) {
    ok = runOne(pc);
    if (exit_) break;
  }
  flush();
  return ok;
}

bool Ctl::runOne(const ParsedCmd& pc) {
  if (pc.def->needsConnection && !conn()) {
    flush();
    return false;
  }
  bool ok = pc.def->run(*this, pc);
  if (!ok || pc.def->trailingBlank) printExtra("\n");
  flush();
  return ok;
}

}  // namespace stratus::cli
