#include "storage/pool_sources.h"

#include "conf/storage_def.h"
#include "storage/command.h"
#include "storage/iscsi_ls.h"
#include "storage/lvm_report.h"
#include "storage/lvm_sources.h"
#include "storage/showmount.h"

namespace stratus::storage {

namespace {

// The srcSpec's first <host>; `type` names the pool type in the error.
Result<conf::PoolSourceHost> specHost(const std::string& xml, const char* type) {
  if (xml.empty())
    return Error(ErrorCode::InvalidArgument, std::string("hostname must be specified for ") + type + " sources");
  auto spec = conf::parsePoolSourceXml(xml, "<srcSpec>");
  if (!spec) return std::move(spec).error();
  if (spec->hosts.empty() || spec->hosts[0].name.empty())
    return Error(ErrorCode::InvalidArgument, std::string("hostname must be specified for ") + type + " sources");
  return spec->hosts[0];
}

}  // namespace

Result<std::string> findLogicalSources(const std::string&) {
  CommandOptions o;
  o.extraEnv = {"LVM_SUPPRESS_FD_WARNINGS=1"};
  auto r = runCommand({"pvs", "--reportformat", "json", "--units", "b", "--nosuffix", "-o", kPvFields}, o);
  if (!r) return std::move(r).error();
  auto pvs = parsePvsJson(r->out);
  if (!pvs) return std::move(pvs).error();
  return conf::formatPoolSources(conf::PoolType::Logical, logicalSourcesFromPvs(*pvs));
}

Result<std::string> findIscsiSources(const std::string& srcSpecXml) {
  auto host = specHost(srcSpecXml, "iscsi");
  if (!host) return std::move(host).error();
  unsigned port = host->port.value_or(3260);
  std::string h = host->name.find(':') != std::string::npos ? "[" + host->name + "]" : host->name;
  CommandOptions o;
  o.timeout = std::chrono::seconds(30);
  auto r = runCommand({"iscsi-ls", "iscsi://" + h + ":" + std::to_string(port)}, o);
  if (!r) return std::move(r).error();
  auto targets = parseIscsiLs(r->out);
  if (!targets) return std::move(targets).error();
  std::vector<conf::PoolSource> out;
  for (const auto& t : *targets) {
    conf::PoolSource s;
    s.hosts.push_back({host->name, port});
    s.devices.push_back({t.iqn, {}});
    out.push_back(std::move(s));
  }
  return conf::formatPoolSources(conf::PoolType::Iscsi, out);
}

Result<std::string> findNetfsSources(const std::string& srcSpecXml) {
  auto host = specHost(srcSpecXml, "netfs");
  if (!host) return std::move(host).error();
  CommandOptions o;
  o.timeout = std::chrono::seconds(30);
  auto r = runCommand({"showmount", "--no-headers", "-e", host->name}, o);
  if (!r) return Error(r.error().code, "cannot list the NFS exports of '" + host->name + "': " + r.error().message);
  std::vector<conf::PoolSource> out;
  for (const auto& dir : parseShowmountExports(r->out)) {
    conf::PoolSource s;
    s.hosts.push_back({host->name, std::nullopt});
    s.dir = dir;
    s.format = "nfs";
    out.push_back(std::move(s));
  }
  return conf::formatPoolSources(conf::PoolType::Netfs, out);
}

}  // namespace stratus::storage
