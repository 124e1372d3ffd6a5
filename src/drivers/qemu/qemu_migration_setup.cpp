#include "drivers/qemu/qemu_migration_setup.h"

namespace stratus::drivers::qemu {

Result<MigrationSetup> migrationSetup(const MigrationParams& p, MigrationChannel channel, MigrationSide side,
                                      bool legacyCompressWasOn) {
  if (p.postcopy && p.compressed)
    return Error(ErrorCode::Unsupported,
                 "Operation not supported: compressed migration cannot be combined with post-copy");
  bool source = side == MigrationSide::Source;
  bool multifd = p.compressed && channel == MigrationChannel::Tcp;
  bool legacyCompress = p.compressed && channel == MigrationChannel::Fd;
  MigrationSetup s;
  // events: MIGRATION / MIGRATION_PASS wake the waiters instead of polling.
  s.capabilities = {{"events", true},
                    {"postcopy-ram", p.postcopy},
                    {"auto-converge", source && p.autoConverge},
                    {"multifd", multifd}};
  if (legacyCompress || legacyCompressWasOn) s.capabilities.emplace_back("compress", legacyCompress);
  // The destination stays paused until the source confirms: it must not
  // take the disks' write locks before then (a source that resumes after a
  // failed finish needs them).
  if (!source) s.capabilities.emplace_back("late-block-activate", true);

  if (source) {
    s.parameters["downtime-limit"] = p.downtimeLimitMs ? p.downtimeLimitMs : kDefaultDowntimeLimitMs;
    s.parameters["max-bandwidth"] = p.maxBandwidth ? p.maxBandwidth : kUnlimitedBandwidth;
  }
  if (multifd) {
    s.parameters["multifd-channels"] = kMultifdChannels;
    s.multifdCompression = true;
  }
  if (legacyCompress) {
    if (source) {
      s.parameters["compress-level"] = 1;
      s.parameters["compress-threads"] = 2;
    } else {
      s.parameters["decompress-threads"] = 2;
    }
  }
  return s;
}

daemon::JobInfo migrationProgress(const ::stratus::qemu::qmp::MigrationInfo& m, const DiskProgress& d) {
  daemon::JobInfo j;
  j.memTotal = m.ramTotal;
  j.memProcessed = m.ramTransferred;
  j.memRemaining = m.ramRemaining;
  j.memBps = static_cast<std::uint64_t>(m.ramMbps * 1000000.0 / 8.0);
  j.pageSize = m.ramPageSize;
  j.constantPages = m.ramDuplicate;
  j.normalPages = m.ramNormal;
  j.normalBytes = m.ramNormalBytes;
  j.dirtyRate = m.dirtyPagesRate;
  j.memIteration = m.dirtySyncCount;
  j.postcopyRequests = m.postcopyRequests;
  j.expectedDowntimeMs = m.expectedDowntimeMs;
  j.downtimeMs = m.downtimeMs;
  j.setupTimeMs = m.setupTimeMs;
  j.postcopy = m.status == "postcopy-active" || m.status == "postcopy-paused" || m.status == "postcopy-recover";
  j.diskTotal = d.total;
  j.diskProcessed = d.processed < d.total ? d.processed : d.total;
  j.diskRemaining = d.total - j.diskProcessed;
  j.diskBps = d.bps;
  j.dataTotal = j.memTotal + j.diskTotal;
  j.dataProcessed = j.memProcessed + j.diskProcessed;
  j.dataRemaining = j.memRemaining + j.diskRemaining;
  return j;
}

std::string tcpUri(const std::string& address, int port) {
  bool v6 = address.find(':') != std::string::npos && address.front() != '[';
  return "tcp:" + (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

bool rejectsValue(const Error& e, const std::string& value) {
  const std::string& s = e.message;
  return s.find("'" + value + "'") != std::string::npos &&
         (s.find("does not accept value") != std::string::npos || s.find("Invalid parameter") != std::string::npos);
}

Error migrationJobFailed(const std::string& why) {
  return Error(ErrorCode::OperationFailed, "operation failed: migration out job: " + why);
}

Error migrationJobCancelled() {
  return Error(ErrorCode::Cancelled, "operation aborted: migration out job: canceled by client");
}

std::string qemuWords(const Error& e) {
  // The transport's form: "QMP <command>: <class>: <desc>".
  const std::string& s = e.message;
  if (!s.starts_with("QMP ")) return s;
  auto first = s.find(": ");
  auto second = first == std::string::npos ? first : s.find(": ", first + 2);
  return second == std::string::npos ? s : s.substr(second + 2);
}

}  // namespace stratus::drivers::qemu
