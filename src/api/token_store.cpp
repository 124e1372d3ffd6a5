#include "api/token_store.h"

#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "util/atomic_file.h"

namespace stratus::api {

namespace {

std::string rootDir(const std::string& root) {
  std::string r = root.empty() ? "/" : root;
  if (r.back() != '/') r.push_back('/');
  return r;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string modeText(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

}  // namespace

std::string authDirForRoot(const std::string& root) { return rootDir(root) + "etc/stratus/auth"; }
std::string tokensPathForRoot(const std::string& root) { return authDirForRoot(root) + "/tokens"; }
std::string remotesPathForRoot(const std::string& root) { return authDirForRoot(root) + "/remotes"; }

std::vector<std::string> parseTokens(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    out.emplace_back(line);
  }
  return out;
}

Status checkPrivateFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return systemError("cannot read " + path, errno);
  if (!S_ISREG(st.st_mode)) return Error(ErrorCode::OperationInvalid, path + " is not a regular file");
  if (st.st_uid != ::geteuid())
    return Error(ErrorCode::OperationInvalid, path + " is owned by uid " + std::to_string(st.st_uid) +
                                                  ", must be owned by uid " + std::to_string(::geteuid()) +
                                                  " (the daemon's user)");
  if (st.st_mode & 077)
    return Error(ErrorCode::OperationInvalid,
                 path + " has mode " + modeText(st.st_mode) + ", must be 0600 (chmod 600 " + path + ")");
  return okStatus();
}

bool constantTimeEqual(std::string_view a, std::string_view b) {
  // The length of a token is no secret (64 hex digits); its bytes are.
  if (a.size() != b.size()) return false;
  volatile unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  return diff == 0;
}

std::string tokenFingerprint(std::string_view token) { return std::string(token.substr(0, 8)); }

Status TokenStore::load() {
  std::lock_guard lk(mu_);
  STRATUS_TRY(reloadIfChanged());
  if (tokens_.empty())
    return Error(ErrorCode::OperationInvalid,
                 "no token in " + path_ + ": TCP clients could never authenticate; run `stratusd token create`");
  return okStatus();
}

Status TokenStore::reloadIfChanged() {
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0) {
    int err = errno;
    tokens_.clear();
    statKnown_ = false;
    if (err == ENOENT)
      return Error(ErrorCode::OperationInvalid,
                   "no tokens file " + path_ + ": run `stratusd token create` to make one");
    return systemError("cannot read " + path_, err);
  }
  if (statKnown_ && st.st_ino == ino_ && st.st_size == size_ && st.st_mtim.tv_sec == mtime_.tv_sec &&
      st.st_mtim.tv_nsec == mtime_.tv_nsec && st.st_mode == mode_)
    return okStatus();
  statKnown_ = false;
  tokens_.clear();
  STRATUS_TRY(checkPrivateFile(path_));
  auto text = readFile(path_);
  if (!text.ok()) return text.error();
  tokens_ = parseTokens(*text);
  statKnown_ = true;
  ino_ = st.st_ino;
  size_ = st.st_size;
  mtime_ = st.st_mtim;
  mode_ = st.st_mode;
  return okStatus();
}

bool TokenStore::accepts(std::string_view token) {
  std::lock_guard lk(mu_);
  auto st = reloadIfChanged();
  problem_ = st.ok() ? std::string() : st.error().message;
  if (token.empty()) return false;
  bool found = false;
  for (const auto& t : tokens_) found |= constantTimeEqual(t, token);  // no early exit either
  return found;
}

std::string TokenStore::problem() {
  std::lock_guard lk(mu_);
  return problem_;
}

Result<std::string> createToken(const std::string& root) {
  std::string dir = authDirForRoot(root);
  STRATUS_TRY(makeDirs(dir, 0700));
  if (::chmod(dir.c_str(), 0700) != 0) return systemError("chmod " + dir, errno);
  std::string path = tokensPathForRoot(root);
  std::string text;
  if (::access(path.c_str(), F_OK) == 0) {
    STRATUS_TRY(checkPrivateFile(path));
    auto old = readFile(path);
    if (!old.ok()) return old.error();
    text = std::move(*old);
    if (!text.empty() && text.back() != '\n') text.push_back('\n');
  } else {
    text = "# stratusd API tokens, one per line (stratusd token create/list/revoke)\n";
  }
  unsigned char raw[32];
  for (std::size_t got = 0; got < sizeof raw;) {
    ssize_t n = ::getrandom(raw + got, sizeof raw - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return systemError("getrandom", errno);
    }
    got += static_cast<std::size_t>(n);
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : raw) {
    token.push_back(hex[b >> 4]);
    token.push_back(hex[b & 15]);
  }
  text += token + "\n";
  STRATUS_TRY(writeFileAtomic(path, text, 0600, DirSync::Yes));
  return token;
}

Result<std::vector<std::string>> listTokens(const std::string& root) {
  std::string path = tokensPathForRoot(root);
  if (::access(path.c_str(), F_OK) != 0) return std::vector<std::string>{};
  STRATUS_TRY(checkPrivateFile(path));
  auto text = readFile(path);
  if (!text.ok()) return text.error();
  std::vector<std::string> out;
  for (auto& t : parseTokens(*text)) out.push_back(tokenFingerprint(t));
  return out;
}

Result<std::string> revokeToken(const std::string& root, const std::string& prefixOrToken) {
  std::string path = tokensPathForRoot(root);
  STRATUS_TRY(checkPrivateFile(path));
  auto text = readFile(path);
  if (!text.ok()) return text.error();
  if (prefixOrToken.size() < 6)
    return Error(ErrorCode::InvalidArgument, "give at least 6 characters of the token to revoke");
  // Keep every other line as written (comments too).
  std::string kept;
  std::vector<std::string> matched;
  std::string_view rest = *text;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view raw = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    std::string_view line = trim(raw);
    if (!line.empty() && line.front() != '#' && line.substr(0, prefixOrToken.size()) == prefixOrToken) {
      matched.emplace_back(line);
      continue;
    }
    kept.append(raw);
    kept.push_back('\n');
  }
  if (matched.empty()) return Error(ErrorCode::InvalidArgument, "no token in " + path + " starts with '" + prefixOrToken + "'");
  if (matched.size() > 1)
    return Error(ErrorCode::InvalidArgument,
                 std::to_string(matched.size()) + " tokens start with '" + prefixOrToken + "': give more of it");
  STRATUS_TRY(writeFileAtomic(path, kept, 0600, DirSync::Yes));
  return tokenFingerprint(matched.front());
}

}  // namespace stratus::api
