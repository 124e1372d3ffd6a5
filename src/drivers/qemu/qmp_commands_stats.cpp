// QOM access and the balloon's guest statistics.
#include "drivers/qemu/qmp_commands.h"

namespace stratus::qemu::qmp {

Result<Json> qomGet(QmpTransport& m, const std::string& path, const std::string& property) {
  return m.execute("qom-get", {{"path", path}, {"property", property}});
}

Status qomSet(QmpTransport& m, const std::string& path, const std::string& property, const Json& value) {
  auto r = m.execute("qom-set", {{"path", path}, {"property", property}, {"value", value}});
  if (!r) return std::move(r).error();
  return okStatus();
}

namespace {
// A non-negative integer (QEMU's JSON has unsigned numbers; tests build signed ones).
std::optional<std::uint64_t> nonNegative(const Json& j) {
  if (j.is_number_unsigned()) return j.get<std::uint64_t>();
  if (j.is_number_integer() && j.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(j.get<std::int64_t>());
  return std::nullopt;
}
}  // namespace

BalloonGuestStats parseBalloonGuestStats(const Json& reply) {
  BalloonGuestStats out;
  if (!reply.is_object()) return out;
  if (auto lu = reply.find("last-update"); lu != reply.end())
    out.lastUpdate = nonNegative(*lu).value_or(0);
  auto st = reply.find("stats");
  if (st == reply.end() || !st->is_object()) return out;
  for (auto it = st->begin(); it != st->end(); ++it) {
    // QEMU reports a statistic the guest never sent as -1 (2^64-1 unsigned).
    auto v = nonNegative(*it);
    if (!v || *v == UINT64_MAX) continue;
    out.stats.emplace_back(it.key(), *v);
  }
  return out;
}

Result<BalloonGuestStats> balloonGuestStats(QmpTransport& m, const std::string& balloonPath) {
  auto r = qomGet(m, balloonPath, "guest-stats");
  if (!r) return std::move(r).error();
  return parseBalloonGuestStats(*r);
}

}  // namespace stratus::qemu::qmp
