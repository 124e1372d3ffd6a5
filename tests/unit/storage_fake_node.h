// The API tests' FakeNode with an in-memory storage driver modelled on
// libvirt's test driver (test:///default): the running dir pool
// `default-pool` (100 GiB, no volumes), volumes whose key and path are
// TARGET/NAME and whose allocation is their capacity, libvirt's error words.
// Volume contents live in memory, so uploads and downloads round-trip; a
// copy from a volume named "slow*" blocks until it is aborted, for the
// cancel tests.
#pragma once

#include <condition_variable>
#include <functional>
#include <set>
#include <map>
#include <regex>

#include "api_fake_node.h"

namespace stratus::apitest {

// The storage cases of the CLI golden data (tests/data/cli): pool_* and vol_*.
inline bool isStorageCase(const std::string& name) { return name.rfind("pool_", 0) == 0 || name.rfind("vol_", 0) == 0; }

class StorageNode : public FakeNode {
 public:
  struct Vol {
    daemon::VolumeSummary info;
    std::string content;  // the volume's bytes (capacity may be larger: the rest reads as zeros)
  };
  struct Pool {
    daemon::PoolSummary info;
    std::string xml;  // as defined
    std::map<std::string, Vol> vols;
  };

  StorageNode() {
    Pool p;
    p.info.name = "default-pool";
    p.info.uuid = "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566";
    p.info.type = "dir";
    p.info.state = "running";
    p.info.active = true;
    p.info.capacity = p.info.available = 100ull << 30;
    p.info.targetPath = "/default-pool";
    p.xml = "<pool type='dir'>\n  <name>default-pool</name>\n  <target>\n    <path>/default-pool</path>\n  </target>\n</pool>\n";
    pools[p.info.name] = p;
  }

  // What the last upload received: holes (bytes) and data (bytes).
  std::uint64_t uploadHoleBytes = 0, uploadDataBytes = 0;
  std::size_t uploadMaxChunk = 0;  // the largest data piece the source handed over
  // Data pieces handed to a download sink, and holes.
  std::uint64_t downloadHoleBytes = 0;
  // Called after each upload chunk / download piece (tests raise SIGINT from here).
  std::function<void()> onUploadChunk, onDownloadPiece;
  // How the last download ended (the sink's error when it gave up).
  std::string downloadResult;

  std::map<std::string, Pool> pools;  // guarded by smu

  // ---- pools ----
  Result<std::vector<daemon::PoolSummary>> listPools() override {
    rec("listPools");
    std::lock_guard lk(smu);
    std::vector<daemon::PoolSummary> out;
    for (auto& [n, p] : pools) out.push_back(summary(p));
    return out;
  }
  Result<daemon::PoolSummary> lookupPool(const std::string& key) override {
    rec("lookupPool " + key);
    std::lock_guard lk(smu);
    auto* p = findPool(key);
    if (!p) return noPool(key);
    return summary(*p);
  }
  Result<daemon::PoolDefineResult> definePool(const std::string& xml, const std::string& source) override {
    rec("definePool " + source);
    return addPool(xml, source, true);
  }
  Result<daemon::PoolDefineResult> createPool(const std::string& xml, const std::string& source,
                                              const daemon::PoolStartOptions& o) override {
    rec(fmt::format("createPool {} build={} overwrite={} no_overwrite={}", source, o.build, o.overwrite, o.noOverwrite));
    if (o.build || o.overwrite || o.noOverwrite)
      return Error(ErrorCode::Unsupported,
                   fmt::format("unsupported flags (0x{:x}) in function testStoragePoolCreateXML",
                               (o.build ? 1 : 0) | (o.overwrite ? 2 : 0) | (o.noOverwrite ? 4 : 0)));
    return addPool(xml, source, false);
  }
  Status buildPool(const std::string& key, const daemon::PoolBuildOptions& o) override {
    rec(fmt::format("buildPool {} overwrite={} no_overwrite={}", key, o.overwrite, o.noOverwrite));
    std::lock_guard lk(smu);
    auto* p = findPool(key);
    if (!p) return noPool(key);
    if (o.overwrite || o.noOverwrite)
      return Error(ErrorCode::Unsupported, fmt::format("unsupported flags (0x{:x}) in function testStoragePoolBuild",
                                                       (o.overwrite ? 8 : 0) | (o.noOverwrite ? 4 : 0)));
    if (p->info.active) return active(*p);
    return okStatus();
  }
  Status startPool(const std::string& key, const daemon::PoolStartOptions& o) override {
    rec(fmt::format("startPool {} build={}", key, o.build));
    std::lock_guard lk(smu);
    auto* p = findPool(key);
    if (!p) return noPool(key);
    if (o.build || o.overwrite || o.noOverwrite)
      return Error(ErrorCode::Unsupported,
                   fmt::format("unsupported flags (0x{:x}) in function testStoragePoolCreate",
                               (o.build ? 1 : 0) | (o.overwrite ? 2 : 0) | (o.noOverwrite ? 4 : 0)));
    if (p->info.active) return active(*p);
    p->info.active = true;
    return okStatus();
  }
  Status destroyPool(const std::string& key) override {
    rec("destroyPool " + key);
    std::lock_guard lk(smu);
    auto* p = findPool(key);
    if (!p) return noPool(key);
    if (!p->info.active)
      return Error(ErrorCode::OperationInvalid,
                   "Requested operation is not valid: storage pool '" + p->info.name + "' is not active");
    p->info.active = false;
    if (!p->info.persistent) pools.erase(p->info.name);
    return okStatus();
  }
  Status deletePool(const std::string& key) override {
    rec("deletePool " + key);
    std::lock_guard lk(smu);
    auto* p = findPool(key);
    if (!p) return noPool(key);
    if (p->info.active) return active(*p);
    return okStatus();
  }
  Status undefinePool(const std::string& key) override {
    rec("undefinePool " + key);
    std::lock_guard lk(smu);
    auto* p = findPool(key);
    if (!p) return noPool(key);
    if (p->info.active) return active(*p);
    pools.erase(p->info.name);
    return okStatus();
  }
  Status refreshPool(const std::string& key) override {
    rec("refreshPool " + key);
    std::lock_guard lk(smu);
    auto* p = findPool(key);
    if (!p) return noPool(key);
    if (!p->info.active)
      return Error(ErrorCode::OperationInvalid,
                   "Requested operation is not valid: storage pool '" + p->info.name + "' is not active");
    return okStatus();
  }
  Result<std::string> poolXml(const std::string& key, const daemon::PoolXmlOptions& o) override {
    rec(fmt::format("poolXml {} inactive={}", key, o.inactive));
    std::lock_guard lk(smu);
    auto* p = findPool(key);
    if (!p) return noPool(key);
    if (o.inactive) return Error(ErrorCode::Unsupported, "unsupported flags (0x1) in function testStoragePoolGetXMLDesc");
    // libvirt's layout of the test driver's pool.
    std::string x = "<pool type='" + p->info.type + "'>\n  <name>" + p->info.name + "</name>\n  <uuid>" + p->info.uuid +
                    "</uuid>\n";
    x += fmt::format("  <capacity unit='bytes'>{}</capacity>\n  <allocation unit='bytes'>{}</allocation>\n"
                     "  <available unit='bytes'>{}</available>\n",
                     p->info.capacity, p->info.allocation, p->info.available);
    x += "  <source>\n  </source>\n  <target>\n    <path>" + p->info.targetPath + "</path>\n  </target>\n</pool>\n";
    return x;
  }
  Status setPoolAutostart(const std::string& key, bool enabled) override {
    rec(fmt::format("setPoolAutostart {} {}", key, enabled));
    std::lock_guard lk(smu);
    auto* p = findPool(key);
    if (!p) return noPool(key);
    if (!p->info.persistent)
      return Error(ErrorCode::InvalidArgument, "invalid argument: cannot set autostart for transient pool");
    p->info.autostart = enabled;
    return okStatus();
  }
  Result<std::string> findPoolSources(const std::string& type, const std::string& spec) override {
    rec("findPoolSources " + type + " " + spec);
    if (type == "logical")
      return std::string(
          "<sources>\n  <source>\n    <device path='/dev/sda20'/>\n    <name>testvg1</name>\n    <format "
          "type='lvm2'/>\n  </source>\n  <source>\n    <device path='/dev/sda21'/>\n    <name>testvg2</name>\n    "
          "<format type='lvm2'/>\n  </source>\n</sources>\n");
    if (type == "netfs") {
      if (spec.empty())
        return Error(ErrorCode::InvalidArgument, "invalid argument: hostname must be specified for netfs sources");
      return "<sources>\n  <source>\n    <host name='" + between(spec, "name='", "'") +
             "'/>\n    <dir path='/export'/>\n    <format type='nfs'/>\n  </source>\n</sources>\n";
    }
    return Error(ErrorCode::Unsupported, "this function is not supported by the connection driver: "
                                         "virConnectFindStoragePoolSources");
  }

  // ---- volumes ----
  Result<std::vector<daemon::VolumeSummary>> listVolumes(const std::string& key) override {
    rec("listVolumes " + key);
    std::lock_guard lk(smu);
    auto* p = findPool(key);
    if (!p) return noPool(key);
    std::vector<daemon::VolumeSummary> out;
    for (auto& [n, v] : p->vols) out.push_back(v.info);
    return out;
  }
  Result<daemon::VolumeSummary> lookupVolume(const std::string& pool, const std::string& vol) override {
    rec("lookupVolume " + pool + " " + vol);
    std::lock_guard lk(smu);
    auto* v = findVol(pool, vol);
    if (!v) return noVol(pool, vol);
    return v->info;
  }
  Result<daemon::VolumeSummary> createVolume(const std::string& pool, const std::string& xml, const std::string& source,
                                             const daemon::VolumeCreateOptions& o) override {
    rec(fmt::format("createVolume {} {} prealloc={}", pool, source, o.preallocMetadata));
    std::lock_guard lk(smu);
    auto* p = findPool(pool);
    if (!p) return noPool(pool);
    auto v = newVolume(*p, xml);
    if (!v.ok()) return v.error();
    return v->info;
  }
  Result<daemon::VolumeSummary> createVolumeFrom(const std::string& pool, const std::string& xml,
                                                 const std::string& source, const std::string& fromPool,
                                                 const std::string& fromVol,
                                                 const daemon::VolumeCreateOptions& o) override {
    rec(fmt::format("createVolumeFrom {} {} from {}/{} prealloc={} reflink={}", pool, source, fromPool, fromVol,
                    o.preallocMetadata, o.reflink));
    std::unique_lock lk(smu);
    auto* p = findPool(pool);
    if (!p) return noPool(pool);
    auto* src = findVol(fromPool, fromVol);
    if (!src) return noVol(fromPool, fromVol);
    std::string content = src->content;
    bool slow = fromVol.rfind("slow", 0) == 0;
    auto v = newVolume(*p, xml);
    if (!v.ok()) return v.error();
    std::string name = v->info.name;
    if (slow) {
      copying = pool + "/" + name;
      copyAborted = false;
      cv.notify_all();
      cv.wait(lk, [&] { return copyAborted; });
      copying.clear();
      pools[pool].vols.erase(name);  // a cancelled copy leaves nothing
      return Error(ErrorCode::Cancelled, "operation aborted: volume copy cancelled");
    }
    auto& nv = pools[pool].vols[name];
    nv.content = content;
    return nv.info;
  }
  Status deleteVolume(const std::string& pool, const std::string& vol) override {
    rec("deleteVolume " + pool + " " + vol);
    std::lock_guard lk(smu);
    auto* v = findVol(pool, vol);
    if (!v) return noVol(pool, vol);
    pools[v->info.pool].vols.erase(v->info.name);
    return okStatus();
  }
  Status wipeVolume(const std::string& pool, const std::string& vol, const daemon::VolumeWipeOptions& o) override {
    rec("wipeVolume " + pool + " " + vol + " " + o.algorithm);
    std::lock_guard lk(smu);
    auto* v = findVol(pool, vol);
    if (!v) return noVol(pool, vol);
    if (o.algorithm != "zero")
      return Error(ErrorCode::Unsupported, "unsupported configuration: wiping algorithm '" + o.algorithm + "'");
    v->content.assign(v->content.size(), '\0');
    return okStatus();
  }
  Status resizeVolume(const std::string& pool, const std::string& vol, std::uint64_t capacity,
                      const daemon::VolumeResizeOptions& o) override {
    rec(fmt::format("resizeVolume {} {} {} allocate={} delta={} shrink={}", pool, vol, capacity, o.allocate, o.delta,
                    o.shrink));
    std::lock_guard lk(smu);
    auto* v = findVol(pool, vol);
    if (!v) return noVol(pool, vol);
    std::uint64_t now = v->info.capacity;
    std::uint64_t want = o.delta ? (o.shrink ? now - std::min(now, capacity) : now + capacity) : capacity;
    if (want < now && !o.shrink)
      return Error(ErrorCode::InvalidArgument,
                   "invalid argument: Can't shrink capacity below current capacity unless shrink flag explicitly "
                   "specified");
    v->info.capacity = v->info.allocation = want;
    return okStatus();
  }
  Result<std::string> volumeXml(const std::string& pool, const std::string& vol) override {
    rec("volumeXml " + pool + " " + vol);
    std::lock_guard lk(smu);
    auto* v = findVol(pool, vol);
    if (!v) return noVol(pool, vol);
    return fmt::format(
        "<volume type='file'>\n  <name>{}</name>\n  <key>{}</key>\n  <capacity unit='bytes'>{}</capacity>\n  "
        "<allocation unit='bytes'>{}</allocation>\n  <target>\n    <path>{}</path>\n    <format type='{}'/>\n  "
        "</target>\n</volume>\n",
        v->info.name, v->info.key, v->info.capacity, v->info.allocation, v->info.path,
        v->info.format.empty() ? "raw" : v->info.format);
  }
  Status uploadVolume(const std::string& pool, const std::string& vol, const daemon::VolumeTransferOptions& o,
                      daemon::VolumeSource& source) override {
    rec(fmt::format("uploadVolume {} {} offset={} length={} sparse={}", pool, vol, o.offset, o.length, o.sparse));
    {
      std::lock_guard lk(smu);
      if (!findVol(pool, vol)) return noVol(pool, vol);
    }
    uploadHoleBytes = uploadDataBytes = 0;
    uploadMaxChunk = 0;
    std::string bytes;  // what arrived, holes as zeros
    for (;;) {
      auto c = source.next();
      if (!c.ok()) return c.error();
      if (c->end()) break;
      uploadHoleBytes += c->holeBytes;
      uploadDataBytes += c->data.size();
      uploadMaxChunk = std::max(uploadMaxChunk, c->data.size());
      bytes.append(c->holeBytes, '\0');
      bytes += c->data;
      if (onUploadChunk) onUploadChunk();
      if (o.length && bytes.size() >= o.length) {
        bytes.resize(o.length);
        break;
      }
    }
    std::lock_guard lk(smu);
    auto* v = findVol(pool, vol);
    if (!v) return noVol(pool, vol);
    if (v->content.size() < o.offset + bytes.size()) v->content.resize(o.offset + bytes.size(), '\0');
    v->content.replace(o.offset, bytes.size(), bytes);
    return okStatus();
  }
  Status downloadVolume(const std::string& pool, const std::string& vol, const daemon::VolumeTransferOptions& o,
                        daemon::VolumeSink& sink) override {
    rec(fmt::format("downloadVolume {} {} offset={} length={} sparse={}", pool, vol, o.offset, o.length, o.sparse));
    std::string content;
    {
      std::lock_guard lk(smu);
      auto* v = findVol(pool, vol);
      if (!v) return noVol(pool, vol);
      content = v->content;
      if (content.size() < v->info.capacity && v->info.capacity <= (256u << 20))
        content.resize(v->info.capacity, '\0');
    }
    if (vol == "err-midway") {
      STRATUS_TRY(sink.write(content.substr(0, 1000)));
      return Error(ErrorCode::OperationFailed, "operation failed: the disk went away");
    }
    std::uint64_t end = o.length ? std::min<std::uint64_t>(content.size(), o.offset + o.length) : content.size();
    downloadHoleBytes = 0;
    constexpr std::size_t kBlock = 64u << 10;
    for (std::uint64_t pos = o.offset; pos < end;) {
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, end - pos));
      std::string_view piece(content.data() + pos, n);
      bool zero = o.sparse && piece.find_first_not_of('\0') == std::string_view::npos;
      Status st = okStatus();
      if (zero) {
        downloadHoleBytes += n;
        st = sink.hole(n);
      } else {
        st = sink.write(piece);
      }
      if (!st) {
        downloadResult = st.error().message;
        return st;
      }
      if (onDownloadPiece) onDownloadPiece();
      pos += n;
    }
    downloadResult = "ok";
    return okStatus();
  }
  Result<daemon::JobInfo> volumeJobInfo(const std::string& pool, const std::string& vol) override {
    rec("volumeJobInfo " + pool + " " + vol);
    std::lock_guard lk(smu);
    daemon::JobInfo j;
    if (copying == pool + "/" + vol) {
      j.type = "unbounded";
      j.operation = "copy";
      j.dataTotal = 100;
      j.dataProcessed = 40;
      j.dataRemaining = 60;
    }
    return j;
  }
  Status abortVolumeJob(const std::string& pool, const std::string& vol) override {
    rec("abortVolumeJob " + pool + " " + vol);
    std::lock_guard lk(smu);
    if (copying != pool + "/" + vol)
      return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: no job is active on the volume");
    copyAborted = true;
    cv.notify_all();
    return okStatus();
  }

  // Blocks until a slow copy runs (the cancel tests).
  bool waitForCopy(std::chrono::seconds timeout) {
    std::unique_lock lk(smu);
    return cv.wait_for(lk, timeout, [&] { return !copying.empty(); });
  }
  void putContent(const std::string& pool, const std::string& vol, std::string content) {
    std::lock_guard lk(smu);
    pools[pool].vols[vol].content = std::move(content);
  }
  std::string content(const std::string& pool, const std::string& vol) {
    std::lock_guard lk(smu);
    return pools[pool].vols[vol].content;
  }

 private:
  std::mutex smu;
  std::condition_variable cv;
  std::string copying;  // "pool/vol" of the slow copy running
  bool copyAborted = false;

  static Error noPool(const std::string& key) {
    return Error(ErrorCode::NoStoragePool, "Storage pool not found: no storage pool with matching name '" + key + "'");
  }
  static Error active(const Pool& p) {
    return Error(ErrorCode::OperationInvalid,
                 "Requested operation is not valid: storage pool '" + p.info.name + "' is active");
  }
  static Error noVol(const std::string& pool, const std::string& vol) {
    return Error(ErrorCode::NoStorageVolume, std::string("Storage volume not found: no storage vol with matching ") +
                                                 (pool.empty() ? "path" : "name") + " '" + vol + "'");
  }
  static daemon::PoolSummary summary(const Pool& p) {
    daemon::PoolSummary s = p.info;
    s.state = s.active ? "running" : "inactive";
    if (!s.active) s.capacity = s.allocation = s.available = 0;
    return s;
  }
  Pool* findPool(const std::string& key) {
    for (auto& [n, p] : pools)
      if (n == key || p.info.uuid == key) return &p;
    return nullptr;
  }
  Vol* findVol(const std::string& pool, const std::string& vol) {
    if (!pool.empty()) {
      auto* p = findPool(pool);
      if (!p) return nullptr;
      auto it = p->vols.find(vol);
      return it == p->vols.end() ? nullptr : &it->second;
    }
    for (auto& [n, p] : pools)
      for (auto& [vn, v] : p.vols)
        if (v.info.key == vol || v.info.path == vol) return &v;
    return nullptr;
  }
  Result<daemon::PoolDefineResult> addPool(const std::string& xml, const std::string& source, bool persistent) {
    std::string type = between(xml, "<pool type='", "'");
    std::string name = between(xml, "<name>", "</name>");
    std::string target = between(xml, "<path>", "</path>");
    static const std::set<std::string> kTypes = {"dir", "fs", "netfs", "logical", "disk", "iscsi", "scsi", "mpath",
                                                 "rbd", "sheepdog", "gluster", "zfs", "vstorage", "iscsi-direct"};
    if (!kTypes.count(type))
      return Error(ErrorCode::XmlInvalid,
                   "XML error: Invalid value for attribute 'type' in element 'pool': '" + type + "'.");
    if (name.empty()) return Error(ErrorCode::XmlInvalid, "XML error: missing pool source name element");
    if (target.empty() && (type == "dir" || type == "fs" || type == "netfs"))
      return Error(ErrorCode::XmlInvalid, "XML error: missing storage pool target path");
    std::lock_guard lk(smu);
    if (pools.count(name) && !persistent)
      return Error(ErrorCode::OperationFailed, "operation failed: storage pool '" + name + "' already exists");
    Pool p;
    if (auto it = pools.find(name); it != pools.end()) p = it->second;
    p.info.name = name;
    if (std::string uuid = between(xml, "<uuid>", "</uuid>"); !uuid.empty()) p.info.uuid = uuid;
    if (p.info.uuid.empty()) p.info.uuid = fmt::format("44444444-0000-4000-8000-{:012}", pools.size());
    p.info.type = type;
    p.info.persistent = persistent;
    p.info.active = !persistent || p.info.active;
    p.info.capacity = p.info.available = 100ull << 30;
    p.info.targetPath = target;
    p.xml = xml;
    pools[name] = p;
    daemon::PoolDefineResult r;
    r.pool = summary(p);
    if (xml.find("<frob") != std::string::npos)
      r.warnings.push_back(conf::Warning{"unknown element <frob> kept", ErrorLocation{source, 4, "pool/frob"}});
    return r;
  }
  // <volume><name/><capacity [unit]/>[<allocation/>][<format type/>]
  Result<Vol> newVolume(Pool& p, const std::string& xml) {
    std::string name = between(xml, "<name>", "</name>");
    if (name.empty()) return Error(ErrorCode::XmlInvalid, "XML error: missing volume name element");
    if (p.vols.count(name)) return Error(ErrorCode::OperationFailed, "operation failed: storage vol already exists");
    std::smatch m;
    static const std::regex capRe(R"(<capacity( unit='(\w+)')?>(\d+)</capacity>)");
    std::uint64_t cap = 0;
    if (std::regex_search(xml, m, capRe)) {
      cap = std::stoull(m[3].str());
      std::string unit = m[2].str();
      if (unit == "M" || unit == "MiB") cap <<= 20;
      if (unit == "G" || unit == "GiB") cap <<= 30;
      if (unit == "K" || unit == "KiB") cap <<= 10;
    }
    Vol v;
    v.info.name = name;
    v.info.pool = p.info.name;
    v.info.key = v.info.path = p.info.targetPath + "/" + name;
    v.info.capacity = v.info.allocation = cap;
    v.info.format = between(xml, "<format type='", "'");
    p.vols[name] = v;
    return v;
  }
};

}  // namespace stratus::apitest
