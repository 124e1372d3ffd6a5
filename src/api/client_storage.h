// The storage pool and volume verbs of NodeClient (docs/api.md), over the
// client's HttpConnection. NodeClient forwards its NodeService overrides here.
#pragma once

#include <nlohmann/json.hpp>

#include "api/client.h"
#include "daemon/storage_types.h"

namespace stratus::api {

class StorageClient {
 public:
  explicit StorageClient(HttpConnection& conn) : conn_(conn) {}

  Result<std::vector<daemon::PoolSummary>> listPools();
  Result<daemon::PoolSummary> lookupPool(const std::string& pool);
  Result<daemon::PoolDefineResult> definePool(const std::string& xml, const std::string& sourceName);
  Result<daemon::PoolDefineResult> createPool(const std::string& xml, const std::string& sourceName,
                                              const daemon::PoolStartOptions& opts);
  Status buildPool(const std::string& pool, const daemon::PoolBuildOptions& opts);
  Status startPool(const std::string& pool, const daemon::PoolStartOptions& opts);
  Status destroyPool(const std::string& pool);
  Status deletePool(const std::string& pool);
  Status undefinePool(const std::string& pool);
  Status refreshPool(const std::string& pool);
  Result<std::string> poolXml(const std::string& pool, const daemon::PoolXmlOptions& opts);
  Status setPoolAutostart(const std::string& pool, bool enabled);
  Result<std::string> findPoolSources(const std::string& type, const std::string& srcSpecXml);

  Result<std::vector<daemon::VolumeSummary>> listVolumes(const std::string& pool);
  Result<daemon::VolumeSummary> lookupVolume(const std::string& pool, const std::string& vol);
  Result<daemon::VolumeSummary> createVolume(const std::string& pool, const std::string& xml,
                                             const std::string& sourceName, const daemon::VolumeCreateOptions& opts);
  Result<daemon::VolumeSummary> createVolumeFrom(const std::string& pool, const std::string& xml,
                                                 const std::string& sourceName, const std::string& fromPool,
                                                 const std::string& fromVol, const daemon::VolumeCreateOptions& opts);
  Status deleteVolume(const std::string& pool, const std::string& vol);
  Status wipeVolume(const std::string& pool, const std::string& vol, const daemon::VolumeWipeOptions& opts);
  Status resizeVolume(const std::string& pool, const std::string& vol, std::uint64_t capacity,
                      const daemon::VolumeResizeOptions& opts);
  Result<std::string> volumeXml(const std::string& pool, const std::string& vol);
  Status uploadVolume(const std::string& pool, const std::string& vol, const daemon::VolumeTransferOptions& opts,
                      daemon::VolumeSource& source);
  Status downloadVolume(const std::string& pool, const std::string& vol, const daemon::VolumeTransferOptions& opts,
                        daemon::VolumeSink& sink);
  Result<daemon::JobInfo> volumeJobInfo(const std::string& pool, const std::string& vol);
  Status abortVolumeJob(const std::string& pool, const std::string& vol);

 private:
  Result<HttpReply> send(std::string_view method, const std::string& target, std::string_view ct = {},
                         std::string_view body = {});
  Result<nlohmann::json> call(std::string_view method, const std::string& target, const nlohmann::json* body = nullptr);
  Result<std::string> text(const std::string& target);
  // The URL of a volume: with `pool` empty, `vol` is a key or path, looked
  // up first (the API names volumes by pool and name).
  Result<std::string> volumePath(const std::string& pool, const std::string& vol, std::string_view rest = {});

  HttpConnection& conn_;
};

}  // namespace stratus::api
