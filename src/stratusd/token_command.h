// `stratusd token create|list|revoke [--root R]`: the tokens that open the
// daemon's TCP API (ROOT/etc/stratus/auth/tokens; api/token_store.h). A
// running daemon sees the change at its next TCP request.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace stratus {

class TokenCommand {
 public:
  explicit TokenCommand(CLI::App& app);
  // Was `token ...` on the command line?
  bool chosen() const;
  // `rootFromParent`: the daemon's --root, used when the subcommand has none.
  int run(const std::string& rootFromParent) const;

 private:
  CLI::App* token_ = nullptr;
  CLI::App* create_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* revoke_ = nullptr;
  std::string root_;
  std::string which_;  // revoke's PREFIX_OR_TOKEN
};

}  // namespace stratus
