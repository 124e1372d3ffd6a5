#include "daemon/simulated_pool_backend.h"

namespace stratus::daemon {

namespace {

Error unsupported(const char* function) {
  return Error(ErrorCode::Unsupported, std::string("this function is not supported by the connection driver: ") + function);
}

std::string volumePath(const conf::PoolDef& def, const std::string& name) { return def.target.path + "/" + name; }

}  // namespace

Status SimulatedPoolBackend::remove(const conf::PoolDef&) {
  std::lock_guard lk(mu_);
  volumes_.clear();
  return okStatus();
}

Result<storage::PoolContents> SimulatedPoolBackend::refresh(const conf::PoolDef& def) {
  std::lock_guard lk(mu_);
  storage::PoolContents c;
  c.capacity = kCapacity;
  for (const auto& [name, v] : volumes_) {
    c.allocation += v.allocation.value_or(0);
    c.volumes.push_back(v);
  }
  c.available = c.allocation > c.capacity ? 0 : c.capacity - c.allocation;
  return c;
}

Result<conf::VolumeDef> SimulatedPoolBackend::createVolume(const conf::PoolDef& def, const conf::VolumeDef& vol,
                                                           const daemon::VolumeCreateOptions&) {
  std::lock_guard lk(mu_);
  conf::VolumeDef v = vol;
  v.type = "file";
  v.path = volumePath(def, v.name);
  v.key = v.path;
  if (v.format.empty()) v.format = "raw";
  // The test driver allocates what it is asked for, else everything.
  if (!v.allocation) v.allocation = v.capacity;
  volumes_[v.name] = v;
  return v;
}

Result<conf::VolumeDef> SimulatedPoolBackend::createVolumeFrom(const conf::PoolDef& def, const conf::VolumeDef& vol,
                                                               const storage::VolumeTarget&,
                                                               const daemon::VolumeCreateOptions& opts,
                                                               drivers::JobMonitor*) {
  return createVolume(def, vol, opts);
}

Status SimulatedPoolBackend::deleteVolume(const conf::PoolDef&, const conf::VolumeDef& vol) {
  std::lock_guard lk(mu_);
  volumes_.erase(vol.name);
  return okStatus();
}

Status SimulatedPoolBackend::wipeVolume(const conf::PoolDef&, const conf::VolumeDef&, const daemon::VolumeWipeOptions&,
                                        drivers::JobMonitor*) {
  return unsupported("virStorageVolWipe");
}

Status SimulatedPoolBackend::resizeVolume(const conf::PoolDef&, const conf::VolumeDef&, std::uint64_t,
                                          const daemon::VolumeResizeOptions&) {
  return unsupported("virStorageVolResize");
}

Result<storage::VolumeTarget> SimulatedPoolBackend::target(const conf::PoolDef& def, const conf::VolumeDef& vol) {
  storage::VolumeTarget t;
  t.path = volumePath(def, vol.name);
  t.format = vol.format.empty() ? "raw" : vol.format;
  return t;
}

Result<std::string> SimulatedPoolBackend::findSources(const std::string& srcSpecXml) {
  // libvirt's test driver answers logical and netfs with fixed sources.
  if (type_ == conf::PoolType::Logical) {
    std::vector<conf::PoolSource> s(2);
    s[0].devices.push_back({"/dev/sda20", {}});
    s[0].name = "testvg1";
    s[0].format = "lvm2";
    s[1].devices.push_back({"/dev/sda21", {}});
    s[1].name = "testvg2";
    s[1].format = "lvm2";
    return conf::formatPoolSources(type_, s);
  }
  if (type_ == conf::PoolType::Netfs) {
    const Error noHost(ErrorCode::InvalidArgument, "invalid argument: hostname must be specified for netfs sources");
    if (srcSpecXml.empty()) return noHost;
    auto spec = conf::parsePoolSourceXml(srcSpecXml, "<srcSpec>");
    if (!spec) return std::move(spec).error();
    if (spec->hosts.empty()) return noHost;
    std::vector<conf::PoolSource> s(1);
    s[0].hosts.push_back({spec->hosts[0].name, std::nullopt});
    s[0].dir = "/testshare";
    s[0].format = "nfs";
    return conf::formatPoolSources(type_, s);
  }
  if (type_ == conf::PoolType::Dir)  // libvirt's test driver knows no discovery for it at all
    return Error(ErrorCode::InternalError, "internal error: unknown storage pool type dir");
  return Error(ErrorCode::Unsupported, "this function is not supported by the connection driver: pool type '" +
                                           std::string(conf::poolTypeName(type_)) + "' does not support source discovery");
}

}  // namespace stratus::daemon
