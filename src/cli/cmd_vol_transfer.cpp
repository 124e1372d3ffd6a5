// vol-upload and vol-download: a local file streamed to or from a volume
// through the node (over the API for a daemon), holes kept with --sparse,
// virsh's progress bar with --verbose, Ctrl-C cancelling the transfer.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "cli/handlers.h"
#include "cli/storage_cli.h"
#include "cli/volume_files.h"

namespace stratus::cli {

namespace {

// virsh's --offset / --length: unsigned numbers; --length also takes a
// negative number, meaning "all".
bool numberOption(Ctl& ctl, const ParsedCmd& pc, std::string_view name, bool wrap, std::uint64_t& out) {
  auto v = pc.find(name);
  if (!v) return true;
  std::string_view s = *v;
  if (wrap && !s.empty() && s.front() == '-') {
    std::int64_t neg = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), neg);
    if (ec == std::errc() && p == s.data() + s.size()) {
      out = 0;
      return true;
    }
  } else if (auto n = parseUnsigned(s)) {
    out = *n;
    return true;
  }
  ctl.error(fmt::format("Numeric value '{}' for <{}> option is malformed or out of range", *v, name));
  return false;
}

}  // namespace

bool cmdVolUpload(Ctl& ctl, const ParsedCmd& pc) {
  daemon::VolumeTransferOptions o;
  if (!numberOption(ctl, pc, "offset", false, o.offset) || !numberOption(ctl, pc, "length", true, o.length))
    return false;
  o.sparse = pc.has("sparse");
  auto v = lookupVol(ctl, pc);
  if (!v) return false;
  const std::string& file = pc.get("file");
  const std::string& key = pc.get("vol");
  Fd f(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (f.fd < 0) {
    ctl.error(fmt::format("cannot read {}", file));
    return false;
  }
  SigintScope sigint;
  auto r = uploadFd(ctl, v->pool, v->name, f.fd, o, "Upload", pc.has("verbose"), sigint);
  if (!r) return fail(ctl, fmt::format("cannot upload to volume {}", key), r.error());
  return true;
}

bool cmdVolDownload(Ctl& ctl, const ParsedCmd& pc) {
  daemon::VolumeTransferOptions o;
  if (!numberOption(ctl, pc, "offset", false, o.offset) || !numberOption(ctl, pc, "length", true, o.length))
    return false;
  o.sparse = pc.has("sparse");
  auto v = lookupVol(ctl, pc);
  if (!v) return false;
  const std::string& file = pc.get("file");
  const std::string& key = pc.get("vol");
  bool created = true;
  Fd f(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
  if (f.fd < 0 && errno == EEXIST) {
    created = false;
    f.fd = ::open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC, 0666);
  }
  if (f.fd < 0) {
    ctl.error(fmt::format("cannot create {}", file));
    return false;
  }
  std::uint64_t total = v->capacity > o.offset ? v->capacity - o.offset : 0;
  if (o.length) total = std::min(total, o.length);
  SigintScope sigint;
  auto r = downloadFd(ctl, v->pool, v->name, f.fd, o, total, "Download", pc.has("verbose"), sigint);
  if (!r) {
    // Nothing half-written stays behind that the user did not have before.
    if (created) ::unlink(file.c_str());
    return fail(ctl, fmt::format("cannot download from volume {}", key), r.error());
  }
  return true;
}

}  // namespace stratus::cli
