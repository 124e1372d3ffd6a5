// Storage volumes: list, create, clone, lookup (in a pool, or by key/path),
// XML, delete, wipe, resize, the running copy's job and its abort, and the
// streamed content (vol-upload / vol-download).
#include "api/json_storage.h"
#include "api/routes_common.h"

namespace stratus::api {

namespace {

constexpr std::size_t kPiece = 1u << 20;  // bytes read from an upload body at a time

Result<std::uint64_t> queryNumber(const Request& req, const char* name) {
  auto v = req.queryValue(name);
  if (!v || v->empty()) return std::uint64_t{0};
  std::uint64_t n = 0;
  for (char c : *v) {
    if (c < '0' || c > '9' || n > (UINT64_MAX - 9) / 10)
      return Error(ErrorCode::InvalidArgument, std::string("query parameter ") + name + " must be a byte count: " + *v);
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

Result<daemon::VolumeTransferOptions> transferOptions(const Request& req) {
  daemon::VolumeTransferOptions o;
  auto off = queryNumber(req, "offset");
  if (!off.ok()) return off.error();
  auto len = queryNumber(req, "length");
  if (!len.ok()) return len.error();
  o.offset = *off;
  o.length = *len;
  o.sparse = req.flag("sparse");
  return o;
}

daemon::VolumeCreateOptions createOptions(const Request& req) {
  daemon::VolumeCreateOptions o;
  o.preallocMetadata = req.flag("prealloc_metadata");
  o.reflink = req.flag("reflink");
  return o;
}

Response createdResponse(const Result<daemon::VolumeSummary>& res) {
  Response resp = valueResponse(res, 201);
  if (res.ok())
    resp.headers.emplace_back("Location",
                              "/v1/storage-pools/" + percentEncode(res->pool) + "/volumes/" + percentEncode(res->name));
  return resp;
}

// vol-upload's bytes from the request body: raw, or the sparse stream.
class BodySource final : public daemon::VolumeSource {
 public:
  BodySource(BodyReader& body, bool sparse) : body_(body), sparse_(sparse) {}

  Result<daemon::VolumeChunk> next() override {
    if (!sparse_) {
      daemon::VolumeChunk c;
      c.data.resize(kPiece);
      auto n = body_.read(c.data.data(), c.data.size());
      if (!n.ok()) return n.error();
      c.data.resize(*n);
      return c;  // empty: the end
    }
    std::string buf;
    for (;;) {
      auto rec = decoder_.next();
      if (!rec.ok()) return rec.error();
      if (*rec) return std::move(**rec);
      buf.resize(kPiece);
      auto n = body_.read(buf.data(), buf.size());
      if (!n.ok()) return n.error();
      if (*n == 0) return Error(ErrorCode::InvalidArgument, "sparse stream ended without its end record");
      decoder_.feed(std::string_view(buf.data(), *n));
    }
  }

 private:
  BodyReader& body_;
  bool sparse_;
  SparseDecoder decoder_;
};

// vol-download's bytes into the streamed answer.
class StreamSink final : public daemon::VolumeSink {
 public:
  StreamSink(BodyWriter& w, bool sparse) : w_(w), sparse_(sparse) {}

  Status write(std::string_view data) override {
    if (!sparse_) return w_.write(data);
    while (!data.empty()) {
      auto n = std::min<std::size_t>(data.size(), kSparseMaxData);
      std::string rec = sparseRecordHeader('D', n);
      rec.append(data.substr(0, n));
      STRATUS_TRY(w_.write(rec));
      data.remove_prefix(n);
    }
    return okStatus();
  }

  Status hole(std::uint64_t bytes) override {
    if (bytes == 0) return okStatus();
    if (sparse_) return w_.write(sparseRecordHeader('H', bytes));
    // A raw stream has no holes: they travel as zeros.
    static const std::string zeros(kPiece, '\0');
    while (bytes > 0) {
      auto n = std::min<std::uint64_t>(bytes, zeros.size());
      STRATUS_TRY(w_.write(std::string_view(zeros.data(), n)));
      bytes -= n;
    }
    return okStatus();
  }

  Status end() { return sparse_ ? w_.write(sparseRecordHeader('E', 0)) : okStatus(); }

 private:
  BodyWriter& w_;
  bool sparse_;
};

}  // namespace

void addStorageVolumeRoutes(Router& r, RouteContext ctx) {
  auto& node = ctx.node;
  const std::string vols = "/v1/storage-pools/{pool}/volumes";
  const std::string vol = vols + "/{vol}";

  r.add("GET", vols, [&node](Request& req) {
    auto list = node.listVolumes(req.param("pool"));
    if (!list.ok()) return errorResponse(list.error());
    return jsonResponse(200, nlohmann::json{{"volumes", *list}});
  });

  r.add("POST", vols, [&node](Request& req) {
    return createdResponse(node.createVolume(req.param("pool"), req.body,
                                             req.queryValue("source").value_or("<request>"), createOptions(req)));
  });

  r.add("POST", vols + "/clone-from", [&node](Request& req) {
    auto from = req.queryValue("from_volume");
    if (!from || from->empty())
      return errorResponse(Error(ErrorCode::InvalidArgument, "clone-from needs the query parameter from_volume"));
    // The source pool defaults to the new volume's pool (vol-clone).
    std::string fromPool = req.queryValue("from_pool").value_or("");
    if (fromPool.empty()) fromPool = req.param("pool");
    return createdResponse(node.createVolumeFrom(req.param("pool"), req.body,
                                                 req.queryValue("source").value_or("<request>"), fromPool, *from,
                                                 createOptions(req)));
  });

  r.add("GET", "/v1/storage-volumes", [&node](Request& req) {
    auto key = req.queryValue("key");
    if (!key) key = req.queryValue("path");
    if (!key || key->empty())
      return errorResponse(Error(ErrorCode::InvalidArgument, "volume lookup needs the query parameter key or path"));
    return valueResponse(node.lookupVolume("", *key));
  });

  r.add("GET", vol, [&node](Request& req) { return valueResponse(node.lookupVolume(req.param("pool"), req.param("vol"))); });

  r.add("DELETE", vol,
        [&node](Request& req) { return statusResponse(node.deleteVolume(req.param("pool"), req.param("vol"))); });

  r.add("GET", vol + "/xml", [&node](Request& req) {
    auto xml = node.volumeXml(req.param("pool"), req.param("vol"));
    if (!xml.ok()) return errorResponse(xml.error());
    return textResponse(200, "application/xml", std::move(xml).value());
  });

  r.add("POST", vol + "/actions/wipe", [&node](Request& req) {
    auto o = bodyAs<daemon::VolumeWipeOptions>(req);
    if (!o.ok()) return errorResponse(o.error());
    return statusResponse(node.wipeVolume(req.param("pool"), req.param("vol"), *o));
  });

  // {"capacity": BYTES, "allocate": .., "delta": .., "shrink": ..}
  r.add("POST", vol + "/actions/resize", [&node](Request& req) {
    auto j = bodyJson(req);
    if (!j.ok()) return errorResponse(j.error());
    if (!j->contains("capacity") || !(*j)["capacity"].is_number_unsigned())
      return errorResponse(Error(ErrorCode::InvalidArgument, "resize body needs a byte count \"capacity\""));
    auto o = fromJson<daemon::VolumeResizeOptions>(*j, "request body");
    if (!o.ok()) return errorResponse(o.error());
    return statusResponse(
        node.resizeVolume(req.param("pool"), req.param("vol"), (*j)["capacity"].get<std::uint64_t>(), *o));
  });

  r.add("GET", vol + "/job", [&node](Request& req) { return valueResponse(node.volumeJobInfo(req.param("pool"), req.param("vol"))); });
  r.add("POST", vol + "/job/abort",
        [&node](Request& req) { return statusResponse(node.abortVolumeJob(req.param("pool"), req.param("vol"))); });

  // vol-upload: the body streams into the volume as it arrives.
  r.addStreaming("PUT", vol + "/content", [&node](Request& req) {
    auto o = transferOptions(req);
    if (!o.ok()) return errorResponse(o.error());
    if (!req.bodyReader) return errorResponse(Error(ErrorCode::InternalError, "upload route without a body reader"));
    BodySource source(*req.bodyReader, o->sparse);
    return statusResponse(node.uploadVolume(req.param("pool"), req.param("vol"), *o, source));
  });

  // vol-download: the answer streams as the node reads the volume.
  r.add("GET", vol + "/content", [&node](Request& req) {
    auto o = transferOptions(req);
    if (!o.ok()) return errorResponse(o.error());
    Response resp;
    resp.contentType = o->sparse ? kSparseVolumeType : kRawVolumeType;
    resp.stream = [&node, pool = req.param("pool"), vol = req.param("vol"), opts = *o](BodyWriter& w) -> Status {
      StreamSink sink(w, opts.sparse);
      STRATUS_TRY(node.downloadVolume(pool, vol, opts, sink));
      return sink.end();
    };
    return resp;
  });
}

}  // namespace stratus::api
