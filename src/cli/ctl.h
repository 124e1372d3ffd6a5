// The CLI's context: the connection (opened on first use), output buffers and
// the global flags. Commands print through it so that -q and the shell behave
// like virsh.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "cli/command.h"
#include "cli/split.h"
#include "daemon/node_service.h"

namespace stratus::cli {

class Ctl {
 public:
  explicit Ctl(std::string uri, std::FILE* out = stdout, std::FILE* err = stderr);

  bool quiet = false;
  bool readonly = false;
  bool interactive = false;

  const std::string& uri() const { return uri_; }
  // The connection; prints virsh's "failed to connect" errors on failure.
  daemon::NodeService* conn();
  // Use an already opened node (tests, the shell's `connect`).
  void setConnection(std::unique_ptr<daemon::NodeService> node, std::string uri);

  // stdout, buffered until the command ends.
  void print(std::string_view text) { out_ += text; }
  template <class... A>
  void printf(fmt::format_string<A...> f, A&&... a) {
    fmt::format_to(std::back_inserter(out_), f, std::forward<A>(a)...);
  }
  // Informational text that -q suppresses (virsh's vshPrintExtra).
  void printExtra(std::string_view text) {
    if (!quiet) out_ += text;
  }
  std::string& outBuffer() { return out_; }
  // Progress text on stderr, unbuffered, after what stdout holds so far
  // (virsh's "\rSave: [ 63 %]"); -q does not silence it, as in virsh.
  void progress(std::string_view text);
  // "error: MSG" on stderr.
  void error(std::string_view msg);
  // An error from the node, with libvirt's prefix for its code.
  void error(const Error& e);
  void flush();

  // Parse every command of a line first (a parse error runs nothing), then run
  // them in order. Returns the status of the last one.
  bool runLine(std::string_view line);
  bool runCommands(const std::vector<Words>& cmds);
  bool exitRequested() const { return exit_; }
  void requestExit() { exit_ = true; }

 private:
  bool runOne(const ParsedCmd& pc);

  std::string uri_;
  std::unique_ptr<daemon::NodeService> node_;
  bool connectFailed_ = false;
  bool exit_ = false;
  std::string out_;
  std::FILE* outFile_;
  std::FILE* errFile_;
};

// libvirt's wording for an error from the node: a prefix per code.
std::string describeError(const Error& e);

}  // namespace stratus::cli
