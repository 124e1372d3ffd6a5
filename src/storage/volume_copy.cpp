#include "storage/volume_copy.h"

#include "storage/command.h"
#include "storage/qemu_img.h"

namespace stratus::storage {

Result<std::uint64_t> sourceVirtualSize(const VolumeTarget& from) {
  std::vector<std::string> argv = {"qemu-img", "info", "--output=json"};
  // -U (no lock) for local files only: a running guest may hold the image.
  if (from.type != "network") argv.push_back("-U");
  if (!from.format.empty()) argv.insert(argv.end(), {"-f", from.format});
  argv.push_back(from.path);
  auto r = runCommand(argv);
  if (!r) return std::move(r).error();
  auto info = parseImageInfoJson(r->out, from.path);
  if (!info) return std::move(info).error();
  return info->virtualSize;
}

Result<std::uint64_t> convertVolume(const VolumeTarget& from, const std::string& path, const conf::VolumeDef& vol,
                     const daemon::VolumeCreateOptions& opts, bool targetExists, drivers::JobMonitor* job) {
  auto total = sourceVirtualSize(from);
  if (!total) return std::move(total).error();
  CommandOptions co;
  co.job = job;
  if (job) {
    daemon::JobInfo start;
    start.dataTotal = *total;
    start.dataRemaining = *total;
    job->update(start);
    // qemu-img prints "(NN.NN/100%)\r" as it goes; a progress line can be
    // split across reads, so the tail of the previous piece is kept.
    co.onOutput = [job, total = *total, carry = std::string()](std::string_view piece) mutable {
      carry.append(piece);
      if (auto frac = parseConvertProgress(carry)) {
        daemon::JobInfo p;
        p.dataTotal = total;
        p.dataProcessed = static_cast<std::uint64_t>(*frac * static_cast<double>(total));
        p.dataRemaining = total - p.dataProcessed;
        job->update(p);
      }
      if (auto cut = carry.rfind(')'); cut != std::string::npos) carry.erase(0, cut + 1);
      if (carry.size() > 256) carry.erase(0, carry.size() - 64);
    };
  }
  auto r = runCommand(qemuImgConvertArgs(from.path, from.format, path, vol, opts, targetExists), co);
  if (!r) return std::move(r).error();
  return *total;
}

}  // namespace stratus::storage
