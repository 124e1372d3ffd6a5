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
    // qemu-img prints "(NN.NN/100%)\r" as it goes.
    co.onOutput = [job, total = *total, reader = ConvertProgressReader()](std::string_view piece) mutable {
      if (auto frac = reader.feed(piece)) {
        daemon::JobInfo p;
        p.dataTotal = total;
        p.dataProcessed = static_cast<std::uint64_t>(*frac * static_cast<double>(total));
        p.dataRemaining = total - p.dataProcessed;
        job->update(p);
      }
    };
  }
  auto r = runCommand(qemuImgConvertArgs(from.path, from.format, path, vol, opts, targetExists), co);
  if (!r) return std::move(r).error();
  return *total;
}

}  // namespace stratus::storage
