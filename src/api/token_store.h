// The tokens that open stratusd's TCP API: ROOT/etc/stratus/auth/tokens,
// one per line, '#' comments. The file is the only place they live, so it
// must be private to the daemon's user (mode 0600, owned by it); the daemon
// refuses to start otherwise and stops accepting tokens when it turns
// readable by others while it runs.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace stratus::api {

std::string authDirForRoot(const std::string& root);     // ROOT/etc/stratus/auth
std::string tokensPathForRoot(const std::string& root);  // .../auth/tokens
std::string remotesPathForRoot(const std::string& root); // .../auth/remotes (the daemon's, for --p2p)

// The tokens of a tokens file's text: each line trimmed, blank lines and
// '#' comments skipped.
std::vector<std::string> parseTokens(std::string_view text);

// OperationInvalid unless `path` is a regular file owned by the effective
// user with no group/other permission bits ("... has mode 0644, must be 0600").
Status checkPrivateFile(const std::string& path);

// Equal without an early exit: the time does not tell how much of a guess
// was right.
bool constantTimeEqual(std::string_view a, std::string_view b);

// What `stratusd token list` shows of a token and what `revoke` accepts
// besides the whole token: its first 8 characters (32 of 256 bits).
std::string tokenFingerprint(std::string_view token);

// The server's view of the tokens file, re-read when its mtime, size or
// inode changes, so `stratusd token create/revoke` take effect at once.
// Fails closed: a file that disappears, becomes unreadable or loses its
// private mode accepts no token until it is fixed.
class TokenStore {
 public:
  explicit TokenStore(std::string path) : path_(std::move(path)) {}

  // The start-up check: the file exists, is private and holds a token;
  // otherwise the error says what to do.
  Status load();
  // Is `token` one of the file's tokens (as of now)?
  bool accepts(std::string_view token);
  // Why the last re-read failed (empty when it did not).
  std::string problem();
  const std::string& path() const { return path_; }

 private:
  Status reloadIfChanged();  // mu_ held

  std::string path_;
  std::mutex mu_;
  std::vector<std::string> tokens_;
  std::string problem_;
  bool statKnown_ = false;
  ino_t ino_ = 0;
  off_t size_ = 0;
  timespec mtime_{};
  mode_t mode_ = 0;
};

// ---- the administration `stratusd token ...` does ----

// Creates ROOT/etc/stratus/auth (0700) and the tokens file (0600) as needed,
// appends a new random token (32 bytes from getrandom(2), hex) and returns it.
Result<std::string> createToken(const std::string& root);
// The fingerprints of the tokens in the file (empty when there is none).
Result<std::vector<std::string>> listTokens(const std::string& root);
// Removes the token equal to `prefixOrToken`, or the one token it is a prefix
// of (at least 6 characters); an error when none or several match.
// Returns the removed token's fingerprint.
Result<std::string> revokeToken(const std::string& root, const std::string& prefixOrToken);

}  // namespace stratus::api
