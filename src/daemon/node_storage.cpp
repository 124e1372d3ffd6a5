// Node: the storage pool and volume verbs, served by the node's StorageRegistry.
#include "daemon/node_impl.h"

namespace stratus::daemon {

Result<std::vector<PoolSummary>> Node::listPools() { return impl_->storage->list(); }
Result<PoolSummary> Node::lookupPool(const std::string& pool) { return impl_->storage->lookup(pool); }
Result<PoolDefineResult> Node::definePool(const std::string& xml, const std::string& sourceName) {
  return impl_->storage->define(xml, sourceName);
}
Result<PoolDefineResult> Node::createPool(const std::string& xml, const std::string& sourceName,
                                          const PoolStartOptions& opts) {
  return impl_->storage->create(xml, sourceName, opts);
}
Status Node::buildPool(const std::string& pool, const PoolBuildOptions& opts) { return impl_->storage->build(pool, opts); }
Status Node::startPool(const std::string& pool, const PoolStartOptions& opts) { return impl_->storage->start(pool, opts); }
Status Node::destroyPool(const std::string& pool) { return impl_->storage->destroy(pool); }
Status Node::deletePool(const std::string& pool) { return impl_->storage->remove(pool); }
Status Node::undefinePool(const std::string& pool) { return impl_->storage->undefine(pool); }
Status Node::refreshPool(const std::string& pool) { return impl_->storage->refresh(pool); }
Result<std::string> Node::poolXml(const std::string& pool, const PoolXmlOptions& opts) {
  return impl_->storage->xml(pool, opts);
}
Status Node::setPoolAutostart(const std::string& pool, bool enabled) {
  return impl_->storage->setAutostart(pool, enabled);
}
Result<std::string> Node::findPoolSources(const std::string& type, const std::string& srcSpecXml) {
  return impl_->storage->findSources(type, srcSpecXml);
}
Result<std::vector<VolumeSummary>> Node::listVolumes(const std::string& pool) {
  return impl_->storage->listVolumes(pool);
}
Result<VolumeSummary> Node::lookupVolume(const std::string& pool, const std::string& vol) {
  return impl_->storage->lookupVolume(pool, vol);
}
Result<VolumeSummary> Node::createVolume(const std::string& pool, const std::string& xml, const std::string& sourceName,
                                         const VolumeCreateOptions& opts) {
  return impl_->storage->createVolume(pool, xml, sourceName, opts);
}
Result<VolumeSummary> Node::createVolumeFrom(const std::string& pool, const std::string& xml,
                                             const std::string& sourceName, const std::string& fromPool,
                                             const std::string& fromVol, const VolumeCreateOptions& opts) {
  return impl_->storage->createVolumeFrom(pool, xml, sourceName, fromPool, fromVol, opts);
}
Status Node::deleteVolume(const std::string& pool, const std::string& vol) {
  return impl_->storage->deleteVolume(pool, vol);
}
Status Node::wipeVolume(const std::string& pool, const std::string& vol, const VolumeWipeOptions& opts) {
  return impl_->storage->wipeVolume(pool, vol, opts);
}
Status Node::resizeVolume(const std::string& pool, const std::string& vol, std::uint64_t capacity,
                          const VolumeResizeOptions& opts) {
  return impl_->storage->resizeVolume(pool, vol, capacity, opts);
}
Result<std::string> Node::volumeXml(const std::string& pool, const std::string& vol) {
  return impl_->storage->volumeXml(pool, vol);
}
Status Node::uploadVolume(const std::string& pool, const std::string& vol, const VolumeTransferOptions& opts,
                          VolumeSource& source) {
  return impl_->storage->upload(pool, vol, opts, source);
}
Status Node::downloadVolume(const std::string& pool, const std::string& vol, const VolumeTransferOptions& opts,
                            VolumeSink& sink) {
  return impl_->storage->download(pool, vol, opts, sink);
}
Result<JobInfo> Node::volumeJobInfo(const std::string& pool, const std::string& vol) {
  return impl_->storage->volumeJob(pool, vol);
}
Status Node::abortVolumeJob(const std::string& pool, const std::string& vol) {
  return impl_->storage->abortVolumeJob(pool, vol);
}

}  // namespace stratus::daemon
