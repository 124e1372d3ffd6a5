// dom-export DOMAIN DIR and dom-import DIR: the course's "export a VM and
// import it on another host" lab as two commands. Export writes the domain's
// persistent XML and each disk's volume (downloaded sparse) with a manifest;
// import creates and uploads the volumes in a pool of this host, points the
// disks at them and defines the domain. Both use only the node's API, so
// they work against a remote daemon too. Nothing is left half done: a
// failed export removes what it wrote, a failed import deletes the volumes
// it made and defines nothing.
#include <fcntl.h>
#include <pugixml.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/handlers.h"
#include "cli/interrupt.h"
#include "cli/volume_files.h"

namespace stratus::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kManifest = "stratus-export.txt";
constexpr const char* kManifestHeader = "stratus-export 1";

struct ExportedDisk {
  std::string target;  // vda
  std::string file;    // vda.qcow2, inside the export directory
  std::string format;  // qcow2, raw, ...
  std::uint64_t capacity = 0;
  std::string volume;  // the volume's name where it came from
};

std::string diskSourcePath(pugi::xml_node src) {
  for (const char* a : {"file", "dev"})
    if (auto at = src.attribute(a)) return at.as_string();
  return "";
}

Result<std::vector<ExportedDisk>> readManifest(const std::string& dir) {
  std::ifstream in(dir + "/" + kManifest);
  if (!in) return Error(ErrorCode::InvalidArgument, "cannot read " + dir + "/" + kManifest + ": not an export directory");
  std::string line;
  int n = 0;
  std::vector<ExportedDisk> out;
  while (std::getline(in, line)) {
    ++n;
    if (n == 1) {
      if (line != kManifestHeader)
        return Error(ErrorCode::InvalidArgument, "unknown export format",
                     ErrorLocation{dir + "/" + kManifest, 1, "header"});
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string word;
    ExportedDisk d;
    if (!(ls >> word >> d.target >> d.file >> d.format >> d.capacity >> d.volume) || word != "disk" ||
        d.file.find('/') != std::string::npos)
      return Error(ErrorCode::InvalidArgument, "expected 'disk TARGET FILE FORMAT CAPACITY VOLUME'",
                   ErrorLocation{dir + "/" + kManifest, n, "disk"});
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

bool cmdDomExport(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto* conn = ctl.conn();
  if (conf::isActive(d->state)) {
    ctl.error(fmt::format("Requested operation is not valid: domain '{}' is running; shut it down before exporting it",
                          d->name));
    return false;
  }
  daemon::XmlOptions xo;
  xo.inactive = true;
  xo.securityInfo = true;
  auto xml = conn->domainXml(d->uuid, xo);
  if (!xml) return fail(ctl, xml.error());
  pugi::xml_document doc;
  if (!doc.load_buffer(xml->data(), xml->size())) {
    ctl.error("Couldn't parse domain XML");
    return false;
  }
  // Every disk with a source must be a pool's volume: checked before
  // anything is written.
  std::vector<std::pair<ExportedDisk, daemon::VolumeSummary>> disks;
  for (auto disk : doc.child("domain").child("devices").children("disk")) {
    auto src = disk.child("source");
    std::string target = disk.child("target").attribute("dev").as_string();
    Result<daemon::VolumeSummary> vol = Error(ErrorCode::NoStorageVolume, "");
    std::string what;
    if (std::string(disk.attribute("type").as_string()) == "volume") {
      what = std::string(src.attribute("pool").as_string()) + "/" + src.attribute("volume").as_string();
      if (!src.attribute("volume")) continue;
      vol = conn->lookupVolume(src.attribute("pool").as_string(), src.attribute("volume").as_string());
    } else {
      what = diskSourcePath(src);
      if (what.empty()) {
        if (src.attribute("protocol") || src.attribute("dir")) {
          ctl.error(fmt::format("disk '{}': only disks on files, devices or volumes can be exported", target));
          return false;
        }
        continue;  // an empty drive
      }
      vol = conn->lookupVolume("", what);
    }
    if (!vol) {
      ctl.error(fmt::format("disk '{}': '{}' is not a volume of a storage pool; only pool volumes can be exported "
                            "(pool-define-as NAME dir --target DIRECTORY puts a directory's files in one)",
                            target, what));
      return false;
    }
    ExportedDisk e;
    e.target = target;
    e.format = vol->format.empty() ? "raw" : vol->format;
    e.file = target + "." + e.format;
    e.capacity = vol->capacity;
    e.volume = vol->name;
    disks.emplace_back(std::move(e), std::move(*vol));
  }
  const std::string& dir = pc.get("dir");
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    ctl.error(fmt::format("{} is not empty", dir));
    return false;
  }
  bool madeDir = fs::create_directories(dir, ec);
  if (ec) {
    ctl.error(fmt::format("cannot create {}: {}", dir, ec.message()));
    return false;
  }
  std::vector<std::string> written;
  auto undo = [&] {
    for (const auto& f : written) fs::remove(f, ec);
    if (madeDir) fs::remove(dir, ec);
  };
  SigintScope sigint;
  std::ostringstream manifest;
  manifest << kManifestHeader << "\n# disk TARGET FILE FORMAT CAPACITY VOLUME\n";
  for (const auto& [e, vol] : disks) {
    std::string path = dir + "/" + e.file;
    written.push_back(path);
    daemon::VolumeTransferOptions o;
    o.sparse = true;
    Fd f(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    Status r = f.fd < 0 ? systemError("cannot create " + path, errno)
                        : downloadFd(ctl, vol.pool, vol.name, f.fd, o, vol.capacity, "Export " + e.target,
                                     pc.has("verbose"), sigint);
    if (!r) {
      undo();
      return fail(ctl, fmt::format("cannot export disk '{}' ({})", e.target, vol.path), r.error());
    }
    manifest << "disk " << e.target << " " << e.file << " " << e.format << " " << e.capacity << " " << e.volume << "\n";
  }
  written.push_back(dir + "/domain.xml");
  written.push_back(dir + "/" + kManifest);
  {
    std::ofstream x(dir + "/domain.xml");
    x << *xml;
    std::ofstream m(dir + "/" + kManifest);
    m << manifest.str();
    if (!x || !m) {
      undo();
      ctl.error(fmt::format("cannot write the export into {}", dir));
      return false;
    }
  }
  ctl.printExtra(fmt::format("Domain '{}' exported to {} ({} volume{})\n", d->name, dir, disks.size(),
                             disks.size() == 1 ? "" : "s"));
  return true;
}

bool cmdDomImport(Ctl& ctl, const ParsedCmd& pc) {
  auto* conn = ctl.conn();
  if (!conn) return false;
  const std::string& dir = pc.get("dir");
  auto disks = readManifest(dir);
  if (!disks) return fail(ctl, disks.error());
  std::string xml;
  if (!readFile(ctl, dir + "/domain.xml", xml)) return false;
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) {
    ctl.error(fmt::format("{}/domain.xml: not a domain XML", dir));
    return false;
  }
  auto domain = doc.child("domain");
  std::string name = domain.child_value("name");
  if (auto existing = conn->lookupDomain(name)) {
    ctl.error(fmt::format("domain '{}' already exists on this host", name));
    return false;
  }
  std::string pool = pc.has("pool") ? pc.get("pool") : "default";
  auto p = conn->lookupPool(pool);
  if (!p) return fail(ctl, p.error());
  std::vector<std::string> made;  // volumes to delete again on failure
  auto undo = [&] {
    for (const auto& v : made) (void)conn->deleteVolume(pool, v);
  };
  SigintScope sigint;
  for (const auto& e : *disks) {
    pugi::xml_node disk;
    for (auto dk : domain.child("devices").children("disk"))
      if (e.target == dk.child("target").attribute("dev").as_string()) disk = dk;
    if (!disk) {
      undo();
      ctl.error(fmt::format("{}/domain.xml has no disk '{}'", dir, e.target));
      return false;
    }
    std::string volXml = fmt::format(
        "<volume><name>{}</name><capacity unit='bytes'>{}</capacity><target><format type='{}'/></target></volume>",
        e.volume, e.capacity, e.format);
    auto vol = conn->createVolume(pool, volXml, dir + "/" + kManifest, {});
    if (!vol) {
      undo();
      return fail(ctl, fmt::format("cannot create volume '{}' in pool '{}'", e.volume, pool), vol.error());
    }
    made.push_back(vol->name);
    daemon::VolumeTransferOptions o;
    o.sparse = true;
    std::string path = dir + "/" + e.file;
    Fd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    Status r = f.fd < 0 ? systemError("cannot read " + path, errno)
                        : uploadFd(ctl, pool, vol->name, f.fd, o, "Import " + e.target, pc.has("verbose"), sigint);
    if (!r) {
      undo();
      return fail(ctl, fmt::format("cannot import disk '{}'", e.target), r.error());
    }
    // The disk now reads the new volume's file (or device).
    disk.attribute("type").set_value(vol->type == "block" ? "block" : "file");
    disk.remove_child("source");
    auto src = disk.insert_child_after("source", disk.child("driver") ? disk.child("driver") : pugi::xml_node());
    if (!src) src = disk.prepend_child("source");
    src.append_attribute(vol->type == "block" ? "dev" : "file") = vol->path.c_str();
    auto drv = disk.child("driver");
    if (!drv) {
      drv = disk.prepend_child("driver");
      drv.append_attribute("name") = "qemu";
    }
    if (auto t = drv.attribute("type")) t.set_value(e.format.c_str());
    else drv.append_attribute("type") = e.format.c_str();
  }
  std::ostringstream out;
  doc.save(out, "  ");
  auto def = conn->defineDomain(out.str(), dir + "/domain.xml");
  if (!def) {
    undo();
    return fail(ctl, fmt::format("Failed to define domain from {}/domain.xml", dir), def.error());
  }
  ctl.printExtra(fmt::format("Domain '{}' imported from {} into pool '{}'\n", name, dir, pool));
  return true;
}

}  // namespace stratus::cli
