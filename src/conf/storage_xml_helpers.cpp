// Small readers shared by the pool and volume parsers.
#include <fmt/format.h>

#include <array>

#include "conf/storage_stages.h"

namespace stratus::conf {

namespace {

// libvirt's volume file formats (virStorageFileFormat without "none"), the
// formats qemu-img also creates (vhdx, luks), and the disk pool's partition
// types, which its volumes carry in <format type=''>.
constexpr std::array<std::string_view, 27> kVolumeFormats = {
    "raw",  "dir",  "bochs", "cloop", "dmg",  "iso",   "vpc",   "vdi",   "fat",  "vhd",        "ploop",
    "cow",  "qcow", "qcow2", "qed",   "vmdk", "vhdx",  "luks",  "none",  "linux", "fat16",     "fat32",
    "linux-swap", "linux-lvm", "linux-raid", "extended", "iso9660"};

}  // namespace

std::optional<Elem> singleChild(Elem& parent, const char* name) {
  auto first = parent.child(name);
  if (!first) return std::nullopt;
  if (auto second = parent.child(name)) {
    second->fail(fmt::format("duplicate <{}> element in <{}>", name, parent.name()));
    // The rest (a third, ...) are consumed too so they are not kept as extras.
    while (parent.child(name)) {
    }
  }
  return first;
}

std::optional<std::uint64_t> parseSizeElement(Elem& e) {
  auto unit = e.attr("unit");
  auto r = parseScaledSize(e.text(), unit.value_or(""), e.name());
  if (r) return *r;
  if (r.error().message.starts_with("unknown unit")) e.failAttr("unit", r.error().message);
  else e.fail(r.error().message);
  return std::nullopt;
}

std::string sanitizePath(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  // POSIX gives a leading "//" (but not "///") its own meaning: keep it.
  if (path.size() > 2 && path[0] == '/' && path[1] == '/' && path[2] != '/') {
    out = "//";
    path.remove_prefix(2);
  }
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

bool isVolumeFormat(std::string_view name) {
  for (auto f : kVolumeFormats)
    if (f == name) return true;
  return false;
}

}  // namespace stratus::conf
