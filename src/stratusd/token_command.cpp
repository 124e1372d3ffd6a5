#include "stratusd/token_command.h"

#include <cstdio>

#include "api/token_store.h"

namespace stratus {

TokenCommand::TokenCommand(CLI::App& app) {
  token_ = app.add_subcommand("token", "Manage the tokens of the TCP API (ROOT/etc/stratus/auth/tokens, mode 0600)");
  token_->require_subcommand(1);
  const char* rootHelp = "Root of the daemon's state (default: the daemon's --root, else /)";
  create_ = token_->add_subcommand(
      "create", "Add a new random token (32 bytes from the kernel, hex) and print it; creates the auth "
                "directory (0700) and the tokens file (0600) as needed");
  create_->add_option("--root", root_, rootHelp);
  list_ = token_->add_subcommand("list", "Print a fingerprint (the first 8 characters) of each token, never the token");
  list_->add_option("--root", root_, rootHelp);
  revoke_ = token_->add_subcommand("revoke", "Remove the token given whole, or by a prefix (a fingerprint from list) "
                                             "that only it starts with");
  revoke_->add_option("--root", root_, rootHelp);
  revoke_->add_option("PREFIX_OR_TOKEN", which_, "The token, or at least 6 of its first characters")->required();
}

bool TokenCommand::chosen() const { return token_->parsed(); }

int TokenCommand::run(const std::string& rootFromParent) const {
  std::string root = root_.empty() ? rootFromParent : root_;
  std::string file = api::tokensPathForRoot(root);
  if (create_->parsed()) {
    auto t = api::createToken(root);
    if (!t.ok()) {
      std::fprintf(stderr, "stratusd token create: %s\n", t.error().message.c_str());
      return 1;
    }
    std::printf("%s\n", t->c_str());
    return 0;
  }
  if (list_->parsed()) {
    auto l = api::listTokens(root);
    if (!l.ok()) {
      std::fprintf(stderr, "stratusd token list: %s\n", l.error().message.c_str());
      return 1;
    }
    if (l->empty()) std::fprintf(stderr, "no token in %s (stratusd token create adds one)\n", file.c_str());
    for (const auto& f : *l) std::printf("%s...\n", f.c_str());
    return 0;
  }
  auto r = api::revokeToken(root, which_);
  if (!r.ok()) {
    std::fprintf(stderr, "stratusd token revoke: %s\n", r.error().message.c_str());
    return 1;
  }
  std::printf("revoked %s...\n", r->c_str());
  return 0;
}

}  // namespace stratus
