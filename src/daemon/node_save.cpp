// Node: save images (save / restore / managed save).
//
// Image layout: a text header, the domain XML, then the driver's state:
//   STRATUS-SAVE 1\n  xml-length N\n  state running|paused\n  \n  <N bytes of XML><driver state>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "daemon/node_impl.h"
#include "util/atomic_file.h"
#include "util/fd.h"

namespace stratus::daemon {

namespace r = conf::reason;

namespace {

constexpr const char* kMagic = "STRATUS-SAVE 1";

struct ImageHeader {
  std::string xml;
  bool paused = false;
};

// Reads header + XML and leaves fd positioned at the driver state.
Result<ImageHeader> readHeader(int fd, const std::string& file) {
  std::string buf(8192, '\0');
  ssize_t n = ::pread(fd, buf.data(), buf.size(), 0);
  if (n < 0) return systemError("cannot read save image " + file, errno);
  buf.resize(static_cast<std::size_t>(n));
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::InvalidArgument, "invalid argument: " + file + " is not a Stratus save image (" + why + ")");
  };
  if (buf.rfind(kMagic, 0) != 0) return bad("bad magic");
  auto end = buf.find("\n\n");
  if (end == std::string::npos) return bad("header not terminated");
  std::size_t xmlLen = 0;
  ImageHeader h;
  std::size_t pos = buf.find('\n') + 1;
  while (pos < end) {
    auto eol = buf.find('\n', pos);
    std::string line = buf.substr(pos, eol - pos);
    if (line.rfind("xml-length ", 0) == 0) xmlLen = std::strtoull(line.c_str() + 11, nullptr, 10);
    if (line == "state paused") h.paused = true;
    pos = eol + 1;
  }
  if (xmlLen == 0 || xmlLen > (64u << 20)) return bad("bad xml-length");
  off_t xmlOff = static_cast<off_t>(end + 2);
  h.xml.resize(xmlLen);
  n = ::pread(fd, h.xml.data(), xmlLen, xmlOff);
  if (n != static_cast<ssize_t>(xmlLen)) return bad("truncated");
  if (::lseek(fd, xmlOff + static_cast<off_t>(xmlLen), SEEK_SET) < 0)
    return systemError("cannot seek in save image " + file, errno);
  return h;
}

}  // namespace

Status Node::Impl::saveTo(Job& job, int fd, const SaveOptions& opts) {
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
  conf::FormatOptions fo;
  fo.securityInfo = true;
  std::string xml = conf::formatDomainXml(def, fo);
  std::string header = std::string(kMagic) + "\nxml-length " + std::to_string(xml.size()) + "\nstate " +
                       (opts.paused ? "paused" : "running") + "\n\n";
  STRATUS_TRY(writeAll(fd, header, "cannot write save image"));
  STRATUS_TRY(writeAll(fd, xml, "cannot write save image"));
  if (!wasPaused) STRATUS_TRY(inst->pause());
  if (auto s = inst->saveState(fd); !s) {
    if (!wasPaused) (void)inst->resume();
    return s;
  }
  {
    std::unique_lock lk(mu);
    d.expectingStop = true;
  }
  if (auto s = inst->destroy({}); !s) {
    std::unique_lock lk(mu);
    d.expectingStop = false;
    return s;
  }
  std::unique_lock lk(mu);
  release(markStopped(job.ptr(), r::ShutoffSaved, ev::StoppedSaved));
  return okStatus();
}

Status Node::saveDomain(const std::string& key, const std::string& file, const SaveOptions& opts) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  // Written beside the target and renamed at the end: a failed save leaves no
  // partial file under the user's name.
  std::string tmp = file + ".stratus-part";
  UniqueFd f;
  f.reset(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (f.get() < 0) return systemError("cannot create save image " + file, errno);
  auto s = impl_->saveTo(*job, f.get(), opts);
  if (s && ::fsync(f.get()) != 0) s = systemError("cannot sync save image " + file, errno);
  if (s && ::rename(tmp.c_str(), file.c_str()) != 0) s = systemError("cannot rename save image " + file, errno);
  if (!s) ::unlink(tmp.c_str());
  return s;
}

Result<DomainSummary> Node::restoreDomain(const std::string& file, const SaveOptions& opts) {
  if (impl_->draining) return Error(ErrorCode::OperationInvalid, "the daemon is shutting down");
  UniqueFd f;
  f.reset(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (f.get() < 0) return systemError("cannot open save image " + file, errno);
  auto h = readHeader(f.get(), file);
  if (!h) return std::move(h).error();
  auto parsed = conf::parseDomainXml(h->xml, file);
  if (!parsed) return std::move(parsed).error();
  conf::DomainDef def = std::move(parsed->def);
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
  auto s = impl_->launch(*d, d, def, paused, f.get(), r::RunningRestored);
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
  auto s = impl_->saveTo(*job, f.get(), opts);
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
  auto h = readHeader(f.get(), label);
  if (!h) return std::move(h).error();
  auto parsed = conf::parseDomainXml(h->xml, label);
  if (!parsed) return std::move(parsed).error();
  STRATUS_TRY(launch(d, job.ptr(), parsed->def, paused || h->paused, f.get(), r::RunningRestored));
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
