// Helpers of the storage commands: virsh's pool and volume lookups, its
// capacity text and scaled sizes, and the --json forms.
#include <cctype>
#include <charconv>
#include <cstdio>

#include "cli/handlers.h"
#include "cli/storage_cli.h"

namespace stratus::cli {

namespace {
bool sameUuid(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}
}  // namespace

std::optional<daemon::PoolSummary> lookupPool(Ctl& ctl, const std::string& key, unsigned by) {
  bool asUuid = (by & PoolByUuid) && key.size() == 36;
  if (asUuid || (by & PoolByName)) {
    auto r = ctl.conn()->lookupPool(key);
    if (r && ((asUuid && sameUuid(key, r->uuid)) || ((by & PoolByName) && r->name == key))) return std::move(r).value();
    ctl.error(fmt::format("failed to get pool '{}'", key));
    // virsh reports the last lookup it tried: by name unless only UUIDs count.
    if (!r && r.error().code != ErrorCode::NoStoragePool)
      ctl.error(r.error());
    else
      ctl.error(Error(ErrorCode::NoStoragePool,
                      fmt::format("Storage pool not found: no storage pool with matching {} '{}'",
                                  (by & PoolByName) ? "name" : "uuid", key)));
    return std::nullopt;
  }
  ctl.error(fmt::format("failed to get pool '{}'", key));
  return std::nullopt;
}

std::optional<daemon::VolumeSummary> lookupVol(Ctl& ctl, const ParsedCmd& pc, std::string_view volOpt,
                                               std::string_view poolOpt, bool byName) {
  const std::string& key = pc.get(volOpt);
  std::optional<daemon::PoolSummary> pool;
  std::string poolKey;  // as typed
  if (!poolOpt.empty()) {
    if (auto p = pc.find(poolOpt)) {
      poolKey = *p;
      pool = lookupPool(ctl, *p);
      if (!pool) return std::nullopt;
    }
  }
  auto* conn = ctl.conn();
  std::optional<Error> last;
  if (pool && byName) {
    auto r = conn->lookupVolume(pool->name, key);
    if (r) return std::move(r).value();
    last = r.error();
  }
  // By key, then by path: one question to the node.
  auto r = conn->lookupVolume("", key);
  if (r) {
    if (pool && r->pool != pool->name) {
      ctl.error(fmt::format("Requested volume '{}' is not in pool '{}'", key, poolKey));
      return std::nullopt;
    }
    return std::move(r).value();
  }
  last = r.error();
  if (pool || poolOpt.empty())
    ctl.error(fmt::format("failed to get vol '{}'", key));
  else
    ctl.error(fmt::format("failed to get vol '{}', specifying --{} might help", key, poolOpt));
  ctl.error(*last);
  return std::nullopt;
}

std::string prettyCapacity(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  // virsh steps up a unit only past 1024 of the smaller one.
  std::uint64_t limit = 1024;
  while (unit < 6 && bytes >= limit) {
    ++unit;
    v /= 1024.0;
    if (unit < 6 && limit > UINT64_MAX / 1024) break;
    limit *= 1024;
  }
  return fmt::format("{:.2f} {}", v, kUnits[unit]);
}

std::optional<std::uint64_t> parseSizeBytes(std::string_view text) {
  std::uint64_t v = 0;
  if (text.empty() || text.front() == '-' || text.front() == '+') return std::nullopt;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p == text.data()) return std::nullopt;
  std::string suffix(p, text.data() + text.size());
  for (auto& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::uint64_t mult = 0;
  if (suffix.empty() || suffix == "b" || suffix == "bytes") {
    mult = 1;
  } else {
    static constexpr std::string_view kPrefixes = "kmgtpe";
    auto pos = kPrefixes.find(suffix[0]);
    if (pos == std::string_view::npos) return std::nullopt;
    std::string rest = suffix.substr(1);
    std::uint64_t base;
    if (rest.empty() || rest == "ib") base = 1024;
    else if (rest == "b") base = 1000;
    else return std::nullopt;
    mult = 1;
    for (std::size_t i = 0; i <= pos; ++i) mult *= base;
  }
  if (v != 0 && mult > UINT64_MAX / v) return std::nullopt;
  return v * mult;
}

nlohmann::json poolJson(const daemon::PoolSummary& p) {
  return {{"name", p.name},
          {"uuid", p.uuid},
          {"type", p.type},
          {"state", p.state},
          {"active", p.active},
          {"persistent", p.persistent},
          {"autostart", p.autostart},
          {"capacity", p.capacity},
          {"allocation", p.allocation},
          {"available", p.available},
          {"targetPath", p.targetPath}};
}

nlohmann::json volumeJson(const daemon::VolumeSummary& v) {
  return {{"name", v.name},         {"key", v.key},       {"path", v.path},
          {"pool", v.pool},         {"type", v.type},     {"format", v.format},
          {"capacity", v.capacity}, {"allocation", v.allocation}, {"physical", v.physical}};
}

void printStorageWarnings(const std::vector<conf::Warning>& warnings) {
  for (const auto& w : warnings) {
    Error e(ErrorCode::XmlInvalid, w.message, w.where);
    std::fprintf(stderr, "warning: %s\n", e.describe().c_str());
  }
}

}  // namespace stratus::cli
