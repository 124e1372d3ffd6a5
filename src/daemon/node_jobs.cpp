// Node: long operations with progress (save, restore): domjobinfo and
// domjobabort read and signal them without waiting for the domain's job;
// and the save-image-* verbs that read and rewrite an image's XML.
#include <fcntl.h>

#include "daemon/node_impl.h"
#include "util/fd.h"

namespace stratus::daemon {

std::shared_ptr<drivers::JobMonitor> Node::Impl::beginOperation(DomainObj& d, const char* operation) {
  auto op = std::make_shared<drivers::JobMonitor>(operation);
  std::unique_lock lk(mu);
  d.operation = op;
  return op;
}

void Node::Impl::endOperation(DomainObj& d, const std::shared_ptr<drivers::JobMonitor>& op, const Status& result) {
  JobInfo done = op->finish(result.ok(), result.ok() ? std::string() : result.error().message);
  std::unique_lock lk(mu);
  if (d.operation == op) d.operation.reset();
  d.lastOperation = std::move(done);
}

Result<JobInfo> Node::domainJobInfo(const std::string& key, bool completed) {
  auto d = impl_->get(key);
  if (!d) return std::move(d).error();
  std::shared_ptr<drivers::JobMonitor> op;
  {
    std::shared_lock lk(impl_->mu);
    if (completed) return (*d)->lastOperation.value_or(JobInfo{});
    op = (*d)->operation;
  }
  if (!op) return JobInfo{};
  return op->snapshot();
}

Status Node::abortDomainJob(const std::string& key) {
  auto d = impl_->get(key);
  if (!d) return std::move(d).error();
  std::shared_ptr<drivers::JobMonitor> op;
  {
    std::shared_lock lk(impl_->mu);
    op = (*d)->operation;
  }
  if (!op) return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: no job is active on the domain");
  op->requestCancel();
  return okStatus();
}

namespace {

Result<SaveImageHeader> readImage(const std::string& file) {
  UniqueFd f(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!f.valid()) return systemError("cannot open save image " + file, errno);
  return readSaveImageHeader(f.get(), file);
}

}  // namespace

Result<std::string> Node::saveImageXml(const std::string& file, const XmlOptions& opts) {
  auto h = readImage(file);
  if (!h) return std::move(h).error();
  auto parsed = conf::parseDomainXml(h->xml, file);
  if (!parsed) return std::move(parsed).error();
  conf::FormatOptions fo;
  fo.securityInfo = opts.securityInfo;
  return conf::formatDomainXml(parsed->def, fo);
}

Status Node::saveImageDefine(const std::string& file, const std::string& xml, const SaveOptions& opts) {
  if (opts.running && opts.paused)
    return Error(ErrorCode::InvalidArgument, "invalid argument: running and paused flags are mutually exclusive");
  auto h = readImage(file);
  if (!h) return std::move(h).error();
  auto old = conf::parseDomainXml(h->xml, file);
  if (!old) return std::move(old).error();
  auto def = impl_->replacementDefinition(old->def, xml, "<save-image-define>");
  if (!def) return std::move(def).error();
  conf::FormatOptions fo;
  fo.securityInfo = true;
  std::optional<bool> paused;
  if (opts.running) paused = false;
  if (opts.paused) paused = true;
  return rewriteSaveImage(file, conf::formatDomainXml(*def, fo), paused);
}

Result<conf::DomainDef> Node::Impl::replacementDefinition(const conf::DomainDef& saved, const std::string& xml,
                                                          const std::string& source) {
  auto fresh = conf::parseDomainXml(xml, source);
  if (!fresh) return std::move(fresh).error();
  conf::DomainDef def = std::move(fresh->def);
  // The saved state belongs to this guest: same name and UUID (libvirt's
  // ABI stability check words).
  if (def.name != saved.name)
    return Error(ErrorCode::Unsupported, "unsupported configuration: Target domain name '" + def.name +
                                             "' does not match source '" + saved.name + "'");
  if (def.uuid != saved.uuid)
    return Error(ErrorCode::Unsupported, "unsupported configuration: Target domain uuid " + def.uuid.str() +
                                             " does not match source " + saved.uuid.str());
  driver->applyDefaults(def);
  return def;
}

}  // namespace stratus::daemon
