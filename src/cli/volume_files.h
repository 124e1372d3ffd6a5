// A local file as the far end of a volume stream (vol-upload,
// vol-download, dom-export, dom-import): read or written piece by piece,
// holes kept with --sparse, virsh's progress bar, Ctrl-C ending it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cli/ctl.h"
#include "cli/interrupt.h"
#include "daemon/storage_types.h"

namespace stratus::cli {

// The bytes of the open file `fd` into volume pool/vol (opts: offset,
// length, sparse); "\rLABEL: [ 63 %]" on stderr when `verbose`.
Status uploadFd(Ctl& ctl, const std::string& pool, const std::string& vol, int fd,
                const daemon::VolumeTransferOptions& opts, std::string_view label, bool verbose,
                const SigintScope& sigint);
// The volume's bytes into the open file `fd` (from its start; the file ends
// where the stream ended, a trailing hole included). `total` is what the
// progress bar counts to.
Status downloadFd(Ctl& ctl, const std::string& pool, const std::string& vol, int fd,
                  const daemon::VolumeTransferOptions& opts, std::uint64_t total, std::string_view label,
                  bool verbose, const SigintScope& sigint);

// A file descriptor closed when it goes out of scope.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
};

}  // namespace stratus::cli
