#include "api/client_storage.h"

#include "api/http.h"
#include "api/json_storage.h"
#include "api/json_types.h"

namespace stratus::api {

namespace {

std::string poolPath(const std::string& pool, std::string_view rest = {}) {
  return "/v1/storage-pools/" + percentEncode(pool) + std::string(rest);
}

const char* boolStr(bool b) { return b ? "1" : "0"; }

std::string createQuery(const std::string& sourceName, const daemon::VolumeCreateOptions& o) {
  return "source=" + percentEncode(sourceName) + "&prealloc_metadata=" + boolStr(o.preallocMetadata) +
         "&reflink=" + boolStr(o.reflink);
}

std::string transferQuery(const daemon::VolumeTransferOptions& o) {
  return "?offset=" + std::to_string(o.offset) + "&length=" + std::to_string(o.length) + "&sparse=" + boolStr(o.sparse);
}

nlohmann::json listMember(const nlohmann::json& j, const char* key) {
  if (j.is_object())
    if (auto it = j.find(key); it != j.end()) return *it;
  return nlohmann::json::array();
}

constexpr std::size_t kMaxRecord = 1u << 20;  // bytes of data per record or chunk sent

}  // namespace

Result<HttpReply> StorageClient::send(std::string_view method, const std::string& target, std::string_view ct,
                                      std::string_view body) {
  auto r = conn_.request(method, target, ct, body);
  if (!r.ok()) return r;
  if (r->status >= 300) return errorFromReply(*r);
  return r;
}

Result<nlohmann::json> StorageClient::call(std::string_view method, const std::string& target,
                                           const nlohmann::json* body) {
  std::string b = body ? body->dump() : std::string();
  auto r = send(method, target, body ? "application/json" : "", b);
  if (!r.ok()) return r.error();
  if (r->status == 204 || r->body.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded())
    return Error(ErrorCode::InternalError, "stratusd sent malformed JSON for " + std::string(method) + " " + target);
  return j;
}

Result<std::string> StorageClient::text(const std::string& target) {
  auto r = send("GET", target);
  if (!r.ok()) return r.error();
  return std::move(r->body);
}

Result<std::string> StorageClient::volumePath(const std::string& pool, const std::string& vol, std::string_view rest) {
  if (!pool.empty()) return poolPath(pool, "/volumes/" + percentEncode(vol) + std::string(rest));
  auto v = lookupVolume("", vol);
  if (!v.ok()) return v.error();
  return poolPath(v->pool, "/volumes/" + percentEncode(v->name) + std::string(rest));
}

// ---- pools ----

Result<std::vector<daemon::PoolSummary>> StorageClient::listPools() {
  auto j = call("GET", "/v1/storage-pools");
  if (!j.ok()) return j.error();
  return fromJson<std::vector<daemon::PoolSummary>>(listMember(*j, "pools"), "pools");
}

Result<daemon::PoolSummary> StorageClient::lookupPool(const std::string& pool) {
  auto j = call("GET", poolPath(pool));
  if (!j.ok()) return j.error();
  return fromJson<daemon::PoolSummary>(*j, "reply");
}

Result<daemon::PoolDefineResult> StorageClient::definePool(const std::string& xml, const std::string& sourceName) {
  auto r = send("POST", "/v1/storage-pools?source=" + percentEncode(sourceName), "application/xml", xml);
  if (!r.ok()) return r.error();
  auto j = parseJson(r->body, "reply");
  if (!j.ok()) return j.error();
  return fromJson<daemon::PoolDefineResult>(*j, "reply");
}

Result<daemon::PoolDefineResult> StorageClient::createPool(const std::string& xml, const std::string& sourceName,
                                                           const daemon::PoolStartOptions& o) {
  std::string target = "/v1/storage-pools/create?source=" + percentEncode(sourceName) + "&build=" + boolStr(o.build) +
                       "&overwrite=" + boolStr(o.overwrite) + "&no_overwrite=" + boolStr(o.noOverwrite);
  auto r = send("POST", target, "application/xml", xml);
  if (!r.ok()) return r.error();
  auto j = parseJson(r->body, "reply");
  if (!j.ok()) return j.error();
  return fromJson<daemon::PoolDefineResult>(*j, "reply");
}

Status StorageClient::buildPool(const std::string& pool, const daemon::PoolBuildOptions& opts) {
  nlohmann::json b = opts;
  auto j = call("POST", poolPath(pool, "/actions/build"), &b);
  return j.ok() ? okStatus() : Status(j.error());
}

Status StorageClient::startPool(const std::string& pool, const daemon::PoolStartOptions& opts) {
  nlohmann::json b = opts;
  auto j = call("POST", poolPath(pool, "/actions/start"), &b);
  return j.ok() ? okStatus() : Status(j.error());
}

Status StorageClient::destroyPool(const std::string& pool) {
  auto j = call("POST", poolPath(pool, "/actions/destroy"));
  return j.ok() ? okStatus() : Status(j.error());
}

Status StorageClient::deletePool(const std::string& pool) {
  auto j = call("POST", poolPath(pool, "/actions/delete"));
  return j.ok() ? okStatus() : Status(j.error());
}

Status StorageClient::refreshPool(const std::string& pool) {
  auto j = call("POST", poolPath(pool, "/actions/refresh"));
  return j.ok() ? okStatus() : Status(j.error());
}

Status StorageClient::undefinePool(const std::string& pool) {
  auto j = call("DELETE", poolPath(pool));
  return j.ok() ? okStatus() : Status(j.error());
}

Result<std::string> StorageClient::poolXml(const std::string& pool, const daemon::PoolXmlOptions& opts) {
  return text(poolPath(pool, "/xml") + "?inactive=" + boolStr(opts.inactive));
}

Status StorageClient::setPoolAutostart(const std::string& pool, bool enabled) {
  nlohmann::json b = {{"enabled", enabled}};
  auto j = call("PUT", poolPath(pool, "/autostart"), &b);
  return j.ok() ? okStatus() : Status(j.error());
}

Result<std::string> StorageClient::findPoolSources(const std::string& type, const std::string& srcSpecXml) {
  nlohmann::json b = {{"type", type}, {"src_spec", srcSpecXml}};
  std::string body = b.dump();
  auto r = send("POST", "/v1/storage-pool-sources", "application/json", body);
  if (!r.ok()) return r.error();
  return std::move(r->body);
}

// ---- volumes ----

Result<std::vector<daemon::VolumeSummary>> StorageClient::listVolumes(const std::string& pool) {
  auto j = call("GET", poolPath(pool, "/volumes"));
  if (!j.ok()) return j.error();
  return fromJson<std::vector<daemon::VolumeSummary>>(listMember(*j, "volumes"), "volumes");
}

Result<daemon::VolumeSummary> StorageClient::lookupVolume(const std::string& pool, const std::string& vol) {
  std::string target =
      pool.empty() ? "/v1/storage-volumes?key=" + percentEncode(vol) : poolPath(pool, "/volumes/" + percentEncode(vol));
  auto j = call("GET", target);
  if (!j.ok()) return j.error();
  return fromJson<daemon::VolumeSummary>(*j, "reply");
}

Result<daemon::VolumeSummary> StorageClient::createVolume(const std::string& pool, const std::string& xml,
                                                          const std::string& sourceName,
                                                          const daemon::VolumeCreateOptions& opts) {
  auto r = send("POST", poolPath(pool, "/volumes?") + createQuery(sourceName, opts), "application/xml", xml);
  if (!r.ok()) return r.error();
  auto j = parseJson(r->body, "reply");
  if (!j.ok()) return j.error();
  return fromJson<daemon::VolumeSummary>(*j, "reply");
}

Result<daemon::VolumeSummary> StorageClient::createVolumeFrom(const std::string& pool, const std::string& xml,
                                                              const std::string& sourceName,
                                                              const std::string& fromPool, const std::string& fromVol,
                                                              const daemon::VolumeCreateOptions& opts) {
  std::string srcPool = fromPool, srcVol = fromVol;
  if (srcPool.empty()) {  // a key or path: find its pool first
    auto v = lookupVolume("", fromVol);
    if (!v.ok()) return v.error();
    srcPool = v->pool;
    srcVol = v->name;
  }
  std::string target = poolPath(pool, "/volumes/clone-from?") + createQuery(sourceName, opts) +
                       "&from_pool=" + percentEncode(srcPool) + "&from_volume=" + percentEncode(srcVol);
  auto r = send("POST", target, "application/xml", xml);
  if (!r.ok()) return r.error();
  auto j = parseJson(r->body, "reply");
  if (!j.ok()) return j.error();
  return fromJson<daemon::VolumeSummary>(*j, "reply");
}

Status StorageClient::deleteVolume(const std::string& pool, const std::string& vol) {
  auto p = volumePath(pool, vol);
  if (!p.ok()) return p.error();
  auto j = call("DELETE", *p);
  return j.ok() ? okStatus() : Status(j.error());
}

Status StorageClient::wipeVolume(const std::string& pool, const std::string& vol,
                                 const daemon::VolumeWipeOptions& opts) {
  auto p = volumePath(pool, vol, "/actions/wipe");
  if (!p.ok()) return p.error();
  nlohmann::json b = opts;
  auto j = call("POST", *p, &b);
  return j.ok() ? okStatus() : Status(j.error());
}

Status StorageClient::resizeVolume(const std::string& pool, const std::string& vol, std::uint64_t capacity,
                                   const daemon::VolumeResizeOptions& opts) {
  auto p = volumePath(pool, vol, "/actions/resize");
  if (!p.ok()) return p.error();
  nlohmann::json b = opts;
  b["capacity"] = capacity;
  auto j = call("POST", *p, &b);
  return j.ok() ? okStatus() : Status(j.error());
}

Result<std::string> StorageClient::volumeXml(const std::string& pool, const std::string& vol) {
  auto p = volumePath(pool, vol, "/xml");
  if (!p.ok()) return p.error();
  return text(*p);
}

Result<daemon::JobInfo> StorageClient::volumeJobInfo(const std::string& pool, const std::string& vol) {
  auto p = volumePath(pool, vol, "/job");
  if (!p.ok()) return p.error();
  auto j = call("GET", *p);
  if (!j.ok()) return j.error();
  return fromJson<daemon::JobInfo>(*j, "reply");
}

Status StorageClient::abortVolumeJob(const std::string& pool, const std::string& vol) {
  auto p = volumePath(pool, vol, "/job/abort");
  if (!p.ok()) return p.error();
  auto j = call("POST", *p);
  return j.ok() ? okStatus() : Status(j.error());
}

Status StorageClient::uploadVolume(const std::string& pool, const std::string& vol,
                                   const daemon::VolumeTransferOptions& opts, daemon::VolumeSource& source) {
  auto p = volumePath(pool, vol, "/content");
  if (!p.ok()) return p.error();
  bool ended = false;
  // One source chunk becomes one HTTP chunk: raw bytes, or records of the
  // sparse stream (a hole in a raw upload is sent as zeros).
  auto pull = [&]() -> Result<std::string> {
    if (ended) return std::string();
    auto c = source.next();
    if (!c.ok()) return c.error();
    if (c->end()) {
      ended = true;
      return opts.sparse ? sparseRecordHeader('E', 0) : std::string();
    }
    std::string out;
    if (opts.sparse) {
      if (c->holeBytes > 0) out = sparseRecordHeader('H', c->holeBytes);
      std::string_view d = c->data;
      while (!d.empty()) {
        auto n = std::min<std::size_t>(d.size(), kMaxRecord);
        out += sparseRecordHeader('D', n);
        out.append(d.substr(0, n));
        d.remove_prefix(n);
      }
      return out;
    }
    out = std::move(c->data);
    if (c->holeBytes > 0) out.append(c->holeBytes, '\0');  // sources give holes only with --sparse
    return out;
  };
  // An empty piece ends the body: a chunk with nothing in it is skipped.
  auto pullNonEmpty = [&]() -> Result<std::string> {
    for (;;) {
      auto s = pull();
      if (!s.ok() || !s->empty() || ended) return s;
    }
  };
  auto r = conn_.requestStreamingBody("PUT", *p + transferQuery(opts), opts.sparse ? kSparseVolumeType : kRawVolumeType,
                                      pullNonEmpty);
  if (!r.ok()) return r.error();
  if (r->status >= 300) return errorFromReply(*r);
  return okStatus();
}

Status StorageClient::downloadVolume(const std::string& pool, const std::string& vol,
                                     const daemon::VolumeTransferOptions& opts, daemon::VolumeSink& sink) {
  auto p = volumePath(pool, vol, "/content");
  if (!p.ok()) return p.error();
  SparseDecoder decoder;
  bool sawEnd = false;
  auto onData = [&](std::string_view data) -> Status {
    if (!opts.sparse) return sink.write(data);
    decoder.feed(data);
    for (;;) {
      auto rec = decoder.next();
      if (!rec.ok()) return rec.error();
      if (!*rec) return okStatus();
      if ((*rec)->end()) {
        sawEnd = true;
        return okStatus();
      }
      if ((*rec)->holeBytes > 0) STRATUS_TRY(sink.hole((*rec)->holeBytes));
      if (!(*rec)->data.empty()) STRATUS_TRY(sink.write((*rec)->data));
    }
  };
  auto r = conn_.requestStreamingReply("GET", *p + transferQuery(opts), onData);
  if (!r.ok()) return r.error();
  if (r->status >= 300) return errorFromReply(*r);
  if (opts.sparse && !sawEnd)
    return Error(ErrorCode::ConnectFailed, "the sparse stream from stratusd ended without its end record");
  return okStatus();
}

}  // namespace stratus::api
