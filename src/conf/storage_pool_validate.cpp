// Stage 3: what each pool type needs before it can be defined (libvirt's
// virStoragePoolDefParseXML checks), with the pool named in every message.
#include <fmt/format.h>

#include "conf/storage_stages.h"

namespace stratus::conf {

namespace {

struct PoolChecker {
  const PoolDef& def;
  const std::string& file;
  const SourceMap& lines;
  int line(const std::string& key) const {
    auto it = lines.find(key);
    if (it == lines.end()) it = lines.find("pool");
    return it == lines.end() ? 0 : it->second;
  }
  Error err(const std::string& key, std::string field, const std::string& what) const {
    return Error(ErrorCode::XmlInvalid, fmt::format("pool '{}': {}", def.name, what),
                 ErrorLocation{file, line(key), std::move(field)});
  }
  Error needs(const std::string& key, std::string field, std::string_view element) const {
    return err(key, std::move(field), fmt::format("{} pool needs {}", poolTypeName(def.type), element));
  }
};

Status checkSource(const PoolChecker& c) {
  const PoolDef& def = c.def;
  const PoolSource& s = def.source;
  const PoolTypeTraits& tr = poolTypeTraits(def.type);
  if (tr.host && s.hosts.empty()) return c.needs("pool/source", "pool/source/host", "<source><host name=''/>");
  if (tr.dir && s.dir.empty()) return c.needs("pool/source", "pool/source/dir", "<source><dir path=''/>");
  switch (def.type) {
    case PoolType::Fs:
    case PoolType::Disk:
      if (s.devices.empty()) return c.needs("pool/source", "pool/source/device", "<source><device path=''/>");
      break;
    case PoolType::Iscsi:
    case PoolType::IscsiDirect:
      if (s.devices.empty())
        return c.needs("pool/source", "pool/source/device", "<source><device path=''/> (the target's IQN)");
      if (def.type == PoolType::IscsiDirect && s.initiatorIqn.empty())
        return c.needs("pool/source", "pool/source/initiator", "<source><initiator><iqn name=''/></initiator>");
      break;
    case PoolType::Scsi:
      if (s.adapterType.empty()) return c.needs("pool/source", "pool/source/adapter", "<source><adapter/>");
      break;
    default:
      break;
  }
  if (!s.protocolVersion.empty() && def.type == PoolType::Netfs && s.format != "nfs" && s.format != "auto")
    return c.err("pool/source/protocol", "pool/source/protocol/@ver",
                 fmt::format("storage pool protocol ver unsupported for pool type '{}'", s.format));
  return okStatus();
}

}  // namespace

Status validatePoolDef(const PoolDef& def, const std::string& sourceName, const SourceMap& lines) {
  PoolChecker c{def, sourceName, lines};
  if (auto st = validatePoolName(def.name); !st)
    return Error(ErrorCode::XmlInvalid, st.error().message, ErrorLocation{sourceName, c.line("pool/name"), "pool/name"});
  STRATUS_TRY(checkSource(c));
  if (!poolTypeTraits(def.type).network) {
    if (def.target.path.empty()) return c.needs("pool/target", "pool/target/path", "<target><path>");
    if (def.target.path.front() != '/')
      return c.err("pool/target/path", "pool/target/path",
                   fmt::format("target path '{}' must be absolute", def.target.path));
  }
  return okStatus();
}

}  // namespace stratus::conf
