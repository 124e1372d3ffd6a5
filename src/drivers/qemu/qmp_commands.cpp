#include "drivers/qemu/qmp_commands.h"

#include <fmt/format.h>

namespace stratus::qemu::qmp {

namespace {

Status simple(QmpTransport& m, const char* command, const Json& args = Json()) {
  auto r = m.execute(command, args);
  if (!r) return std::move(r).error();
  return okStatus();
}

Error badReply(const char* command, const std::string& why) {
  return Error(ErrorCode::OperationFailed,
               fmt::format("QMP {}: unexpected reply from QEMU: {}", command, why));
}

// Run `command` and hand its return value to `parse`; a JSON type error while
// parsing becomes OperationFailed instead of an exception.
template <class T, class F>
Result<T> query(QmpTransport& m, const char* command, const Json& args, F parse) {
  auto r = m.execute(command, args);
  if (!r) return std::move(r).error();
  try {
    return parse(*r);
  } catch (const Json::exception& e) {
    return badReply(command, e.what());
  }
}

std::string optStr(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool optBool(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::uint64_t optU64(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return 0;
  if (it->is_number_integer() && it->get<std::int64_t>() < 0) return 0;
  return it->get<std::uint64_t>();
}

int optInt(const Json& j, const char* key, int fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : fallback;
}

}  // namespace

Status cont(QmpTransport& m) { return simple(m, "cont"); }
Status stop(QmpTransport& m) { return simple(m, "stop"); }
Status systemPowerdown(QmpTransport& m) { return simple(m, "system_powerdown"); }
Status systemReset(QmpTransport& m) { return simple(m, "system_reset"); }
Status quit(QmpTransport& m) { return simple(m, "quit"); }

Result<VmStatus> queryStatus(QmpTransport& m) {
  return query<VmStatus>(m, "query-status", Json(), [](const Json& r) -> Result<VmStatus> {
    if (!r.is_object() || !r.contains("status")) return badReply("query-status", "no status");
    VmStatus s;
    s.running = r.at("running").get<bool>();
    s.status = r.at("status").get<std::string>();
    return s;
  });
}

Result<std::vector<VcpuInfo>> queryCpusFast(QmpTransport& m) {
  using V = std::vector<VcpuInfo>;
  return query<V>(m, "query-cpus-fast", Json(), [](const Json& r) -> Result<V> {
    if (!r.is_array()) return badReply("query-cpus-fast", "not a list");
    V out;
    for (const Json& c : r) {
      VcpuInfo v;
      v.index = c.at("cpu-index").get<int>();
      v.threadId = c.at("thread-id").get<std::int64_t>();
      v.qomPath = optStr(c, "qom-path");
      v.target = optStr(c, "target");
      if (auto p = c.find("props"); p != c.end() && p->is_object()) {
        v.socketId = optInt(*p, "socket-id", -1);
        v.coreId = optInt(*p, "core-id", -1);
        v.threadIdInCore = optInt(*p, "thread-id", -1);
      }
      out.push_back(std::move(v));
    }
    return out;
  });
}

Result<std::uint64_t> queryBalloon(QmpTransport& m) {
  return query<std::uint64_t>(m, "query-balloon", Json(),
                              [](const Json& r) -> Result<std::uint64_t> {
                                return r.at("actual").get<std::uint64_t>();
                              });
}

Status balloon(QmpTransport& m, std::uint64_t bytes) {
  return simple(m, "balloon", {{"value", bytes}});
}

Result<std::vector<BlockInfo>> queryBlock(QmpTransport& m) {
  using V = std::vector<BlockInfo>;
  return query<V>(m, "query-block", Json(), [](const Json& r) -> Result<V> {
    if (!r.is_array()) return badReply("query-block", "not a list");
    V out;
    for (const Json& b : r) {
      BlockInfo info;
      info.device = optStr(b, "device");
      info.qdev = optStr(b, "qdev");
      info.removable = optBool(b, "removable");
      info.locked = optBool(b, "locked");
      info.ioStatus = optStr(b, "io-status");
      if (auto ins = b.find("inserted"); ins != b.end() && ins->is_object()) {
        info.inserted = true;
        info.nodeName = optStr(*ins, "node-name");
        info.file = optStr(*ins, "file");
        info.format = optStr(*ins, "drv");
        info.readOnly = optBool(*ins, "ro");
        if (auto img = ins->find("image"); img != ins->end() && img->is_object()) {
          info.virtualSize = optU64(*img, "virtual-size");
          info.actualSize = optU64(*img, "actual-size");
        }
      }
      out.push_back(std::move(info));
    }
    return out;
  });
}

Result<std::vector<BlockStats>> queryBlockstats(QmpTransport& m) {
  using V = std::vector<BlockStats>;
  return query<V>(m, "query-blockstats", Json(), [](const Json& r) -> Result<V> {
    if (!r.is_array()) return badReply("query-blockstats", "not a list");
    V out;
    for (const Json& b : r) {
      BlockStats s;
      s.device = optStr(b, "device");
      s.qdev = optStr(b, "qdev");
      s.nodeName = optStr(b, "node-name");
      if (auto st = b.find("stats"); st != b.end() && st->is_object()) {
        s.rdBytes = optU64(*st, "rd_bytes");
        s.wrBytes = optU64(*st, "wr_bytes");
        s.rdOperations = optU64(*st, "rd_operations");
        s.wrOperations = optU64(*st, "wr_operations");
        s.flushOperations = optU64(*st, "flush_operations");
        s.rdTotalTimeNs = optU64(*st, "rd_total_time_ns");
        s.wrTotalTimeNs = optU64(*st, "wr_total_time_ns");
        s.flushTotalTimeNs = optU64(*st, "flush_total_time_ns");
        s.wrHighestOffset = optU64(*st, "wr_highest_offset");
      }
      out.push_back(std::move(s));
    }
    return out;
  });
}

Result<std::string> humanMonitorCommand(QmpTransport& m, const std::string& commandLine) {
  return query<std::string>(m, "human-monitor-command", {{"command-line", commandLine}},
                            [](const Json& r) -> Result<std::string> {
                              return r.is_string() ? r.get<std::string>() : std::string();
                            });
}

Status migrate(QmpTransport& m, const std::string& uri) {
  return simple(m, "migrate", {{"uri", uri}});
}

Status migrateToExec(QmpTransport& m, const std::string& shellCommand) {
  return migrate(m, "exec:" + shellCommand);
}

Status migrateToFd(QmpTransport& m, const std::string& fdName) {
  return migrate(m, "fd:" + fdName);
}

Result<MigrationInfo> queryMigrate(QmpTransport& m) {
  return query<MigrationInfo>(m, "query-migrate", Json(),
                              [](const Json& r) -> Result<MigrationInfo> {
                                if (!r.is_object()) return badReply("query-migrate", "not an object");
                                MigrationInfo info;
                                info.status = optStr(r, "status");
                                info.totalTimeMs = optU64(r, "total-time");
                                info.errorDesc = optStr(r, "error-desc");
                                info.expectedDowntimeMs = optU64(r, "expected-downtime");
                                info.downtimeMs = optU64(r, "downtime");
                                info.setupTimeMs = optU64(r, "setup-time");
                                if (auto br = r.find("blocked-reasons"); br != r.end() && br->is_array())
                                  for (const auto& why : *br)
                                    if (why.is_string()) info.blockedReasons.push_back(why.get<std::string>());
                                if (auto ram = r.find("ram"); ram != r.end() && ram->is_object()) {
                                  info.ramTotal = optU64(*ram, "total");
                                  info.ramTransferred = optU64(*ram, "transferred");
                                  info.ramRemaining = optU64(*ram, "remaining");
                                  info.dirtyPagesRate = optU64(*ram, "dirty-pages-rate");
                                  info.ramDuplicate = optU64(*ram, "duplicate");
                                  info.ramNormal = optU64(*ram, "normal");
                                  info.ramNormalBytes = optU64(*ram, "normal-bytes");
                                  info.ramPageSize = optU64(*ram, "page-size");
                                  info.dirtySyncCount = optU64(*ram, "dirty-sync-count");
                                  info.postcopyRequests = optU64(*ram, "postcopy-requests");
                                  if (auto mb = ram->find("mbps"); mb != ram->end() && mb->is_number())
                                    info.ramMbps = mb->get<double>();
                                }
                                return info;
                              });
}

bool migrationFinished(const std::string& status) {
  return status == "completed" || status == "failed" || status == "cancelled";
}

Status getfd(QmpTransport& m, const std::string& name, int fd) {
  auto r = m.executeWithFd("getfd", {{"fdname", name}}, fd);
  if (!r) return std::move(r).error();
  return okStatus();
}

Status closefd(QmpTransport& m, const std::string& name) { return simple(m, "closefd", {{"fdname", name}}); }

Status migrateIncoming(QmpTransport& m, const std::string& uri) {
  return simple(m, "migrate-incoming", {{"uri", uri}});
}

Status migrateCancel(QmpTransport& m) { return simple(m, "migrate_cancel"); }

Status migrateSetMaxBandwidth(QmpTransport& m, std::uint64_t bytesPerSecond) {
  return simple(m, "migrate-set-parameters", {{"max-bandwidth", bytesPerSecond}});
}

}  // namespace stratus::qemu::qmp
