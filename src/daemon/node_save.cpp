// Node: save images (save / restore / managed save). The image layout is
// save_image.h's; the driver writes and reads the state after the header.
// Save and restore run as operations with progress (node_jobs.cpp).
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "daemon/node_impl.h"
#include "util/atomic_file.h"
#include "util/compress.h"
#include "util/fd.h"

namespace stratus::daemon {

namespace r = conf::reason;

namespace {

// The format a save writes: the one asked for, else the node's default;
// refused before the guest is touched when its program is missing.
Result<std::string> saveFormat(const NodeConfig& cfg, const SaveOptions& opts) {
  auto f = normalizeImageFormat(opts.format.empty() ? cfg.saveImageFormat : opts.format);
  if (!f) return std::move(f).error();
  if (*f != "raw") {
    auto c = compressorFor(*f);
    if (!c) return std::move(c).error();
  }
  return f;
}

// --bypass-cache: the image leaves the page cache once it is on disk.
void dropCache(int fd, bool bypass) {
  if (bypass) (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

}  // namespace

Status Node::Impl::saveTo(Job& job, int fd, const SaveOptions& opts, const std::string& partFile) {
  auto& d = job.dom();
  std::shared_ptr<drivers::Instance> inst;
  conf::DomainDef def;
  bool wasPaused;
  {
    std::shared_lock lk(mu);
    STRATUS_TRY(allowed(d, Verb::Save));
    inst = d.instance;
    def = *d.live;
    wasPaused = d.state == conf::DomainState::Paused;
  }
  auto format = saveFormat(cfg, opts);
  if (!format) return std::move(format).error();
  if (!opts.xml.empty()) {
    // Checked before the guest is touched: a bad --xml changes nothing.
    auto given = replacementDefinition(def, opts.xml, "<save --xml>");
    if (!given) return std::move(given).error();
    def = std::move(*given);
  }
  conf::FormatOptions fo;
  fo.securityInfo = true;
  SaveImageHeader h;
  h.xml = conf::formatDomainXml(def, fo);
  // Neither --running nor --paused: restore as the guest was (libvirt).
  h.paused = opts.paused || (!opts.running && wasPaused);
  h.format = *format;
  std::string head = encodeSaveImageHeader(h);
  STRATUS_TRY(writeAll(fd, head, "cannot write save image"));

  auto op = beginOperation(d, "save");
  // Recorded before QEMU pauses: a daemon that dies from here on leaves a
  // status that makes the next one cancel the save, resume the guest and
  // remove the partial file.
  {
    std::unique_lock lk(mu);
    d.savePart = partFile;
    if (!wasPaused) {
      d.state = conf::DomainState::Paused;
      d.reason = r::PausedSave;
    }
    writeStatus(d);
  }
  struct ForgetPart {
    Node::Impl& impl;
    DomainObj& d;
    ~ForgetPart() {
      std::unique_lock lk(impl.mu);
      d.savePart.clear();
    }
  } forgetPart{*this, d};
  if (!wasPaused) {
    if (auto s = inst->pause(); !s) {
      std::unique_lock lk(mu);
      if (d.instance == inst) {
        d.state = conf::DomainState::Running;
        d.reason = r::RunningSaveCanceled;
        writeStatus(d);
      }
      lk.unlock();
      endOperation(d, op, s);
      return s;
    }
  }
  drivers::SaveStateOptions so;
  so.format = *format;
  so.maxBandwidth = cfg.saveMaxBandwidth;
  so.monitor = op.get();
  if (auto s = inst->saveStateTo(fd, so); !s) {
    // The guest goes on as it was: a failed or cancelled save changes nothing.
    if (!wasPaused && inst->resume()) {
      std::unique_lock lk(mu);
      if (d.instance == inst) {
        d.state = conf::DomainState::Running;
        d.reason = r::RunningSaveCanceled;
        writeStatus(d);
      }
    }
    endOperation(d, op, s);
    return s;
  }
  dropCache(fd, opts.bypassCache);
  {
    std::unique_lock lk(mu);
    d.expectingStop = true;
  }
  if (auto s = inst->destroy({}); !s) {
    std::unique_lock lk(mu);
    d.expectingStop = false;
    endOperation(d, op, s);
    return s;
  }
  {
    std::unique_lock lk(mu);
    release(markStopped(job.ptr(), r::ShutoffSaved, ev::StoppedSaved));
  }
  endOperation(d, op, okStatus());
  return okStatus();
}

Status Node::saveDomain(const std::string& key, const std::string& file, const SaveOptions& opts) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  // Written beside the target and renamed at the end: a failed or cancelled
  // save leaves no partial file under the user's name.
  std::string tmp = file + ".stratus-part";
  UniqueFd f;
  f.reset(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (f.get() < 0) return systemError("cannot create save image " + file, errno);
  auto s = impl_->saveTo(*job, f.get(), opts, tmp);
  if (s && ::fsync(f.get()) != 0) s = systemError("cannot sync save image " + file, errno);
  if (s && ::rename(tmp.c_str(), file.c_str()) != 0) s = systemError("cannot rename save image " + file, errno);
  if (!s) ::unlink(tmp.c_str());
  return s;
}

Status Node::Impl::restoreImage(Job& job, int fd, const SaveImageHeader& h, const conf::DomainDef& def,
                                bool paused) {
  auto& d = job.dom();
  struct stat st {};
  drivers::LaunchOptions lo;
  lo.restoreFormat = h.format;
  if (::fstat(fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) > h.dataOffset)
    lo.restoreBytes = static_cast<std::uint64_t>(st.st_size) - h.dataOffset;
  auto op = beginOperation(d, "restore");
  lo.monitor = op.get();
  auto s = launch(d, job.ptr(), def, paused, fd, r::RunningRestored, &lo);
  endOperation(d, op, s);
  return s;
}

Result<DomainSummary> Node::restoreDomain(const std::string& file, const SaveOptions& opts) {
  if (impl_->draining) return Error(ErrorCode::OperationInvalid, "the daemon is shutting down");
  UniqueFd f;
  f.reset(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (f.get() < 0) return systemError("cannot open save image " + file, errno);
  auto h = readSaveImageHeader(f.get(), file);
  if (!h) return std::move(h).error();
  auto parsed = conf::parseDomainXml(h->xml, file);
  if (!parsed) return std::move(parsed).error();
  conf::DomainDef def = std::move(parsed->def);
  if (!opts.xml.empty()) {
    auto given = impl_->replacementDefinition(def, opts.xml, "<restore --xml>");
    if (!given) return std::move(given).error();
    def = std::move(*given);
  }
  bool paused = opts.paused || (h->paused && !opts.running);
  DomainPtr d;
  {
    std::lock_guard w(impl_->registryWrite);
    std::unique_lock lk(impl_->mu);
    d = impl_->find(def.name);
    if (d && d->uuid != def.uuid)
      return Error(ErrorCode::DomainExists,
                   "operation failed: domain '" + def.name + "' already exists with uuid " + d->uuid.str());
    if (!d) {
      if (impl_->byUuid.count(def.uuid))
        return Error(ErrorCode::DomainExists, "operation failed: domain with uuid " + def.uuid.str() + " already exists");
      d = std::make_shared<DomainObj>();  // restored as a transient domain
      d->name = def.name;
      d->uuid = def.uuid;
      impl_->indexInsert(d);
    }
  }
  auto job = impl_->beginJob(def.name);
  if (!job) return std::move(job).error();
  {
    std::shared_lock lk(impl_->mu);
    if (d->active())
      return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: domain '" + def.name + "' is already active");
  }
  auto s = impl_->restoreImage(*job, f.get(), *h, def, paused);
  std::unique_lock lk(impl_->mu);
  if (!s) {
    if (!d->config) {
      d->removed = true;
      impl_->indexErase(d);
    }
    return std::move(s).error();
  }
  return impl_->summarize(*d);
}

Status Node::managedSave(const std::string& key, const SaveOptions& opts) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  auto persistent = impl_->persistentName(*job, "do managed save");
  if (!persistent) return std::move(persistent).error();
  const std::string& name = *persistent;
  UniqueFd f;
  std::string path, tmp;
  if (impl_->store) {
    path = impl_->store->managedSavePath(name);
    tmp = path + ".part";
    f.reset(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  } else {
    f.reset(::memfd_create("stratus-managed-save", MFD_CLOEXEC));  // in-memory node
  }
  if (f.get() < 0) return systemError("cannot create managed save image", errno);
  auto s = impl_->saveTo(*job, f.get(), opts, tmp);
  if (s && impl_->store) {
    if (::fsync(f.get()) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0)
      s = systemError("cannot store managed save image " + path, errno);
  }
  if (!s) {
    if (!tmp.empty()) ::unlink(tmp.c_str());
    return s;
  }
  std::string image;
  if (!impl_->store) {
    off_t size = ::lseek(f.get(), 0, SEEK_END);
    image.resize(static_cast<std::size_t>(size));
    if (::pread(f.get(), image.data(), image.size(), 0) != size)
      return systemError("cannot read managed save image", errno);
  }
  std::unique_lock lk(impl_->mu);
  d.hasManagedSave = true;
  d.managedSaveImage = std::move(image);
  return okStatus();
}

Status Node::Impl::restoreManaged(Job& job, bool paused) {
  auto& d = job.dom();
  UniqueFd f;
  std::string name;
  std::string image;
  {
    std::shared_lock lk(mu);
    name = d.name;
    image = d.managedSaveImage;
  }
  std::string label = store ? store->managedSavePath(name) : "managed save image of '" + name + "'";
  if (store) {
    f.reset(::open(label.c_str(), O_RDONLY | O_CLOEXEC));
  } else {
    f.reset(::memfd_create("stratus-managed-save", MFD_CLOEXEC));
    if (f.get() >= 0) STRATUS_TRY(writeAll(f.get(), image, "cannot write managed save image"));
  }
  if (f.get() < 0) return systemError("cannot open " + label, errno);
  auto h = readSaveImageHeader(f.get(), label);
  if (!h) return std::move(h).error();
  auto parsed = conf::parseDomainXml(h->xml, label);
  if (!parsed) return std::move(parsed).error();
  STRATUS_TRY(restoreImage(job, f.get(), *h, parsed->def, paused || h->paused));
  return removeManagedImage(job);
}

Status Node::Impl::removeManagedImage(Job& job) {
  auto& d = job.dom();
  std::string name;
  {
    std::shared_lock lk(mu);
    name = d.name;
  }
  if (store) STRATUS_TRY(removeFileDurable(store->managedSavePath(name)));
  std::unique_lock lk(mu);
  d.hasManagedSave = false;
  d.managedSaveImage.clear();
  return okStatus();
}

Status Node::managedSaveRemove(const std::string& key) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  {
    std::shared_lock lk(impl_->mu);
    if (!job->dom().hasManagedSave)
      return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: domain has no managed save image");
  }
  return impl_->removeManagedImage(*job);
}

}  // namespace stratus::daemon
