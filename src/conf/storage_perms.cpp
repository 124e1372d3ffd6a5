// <permissions> of a pool's or a volume's target (and of a backing store):
// mode in octal, numeric owner and group, an SELinux label.
#include <fmt/format.h>

#include "conf/storage_stages.h"

namespace stratus::conf {

namespace {

void finishInto(Elem& e, LeafExtras& leaf, const std::string& key) {
  Extra x;
  e.finish(x);
  if (!x.empty()) leaf[key] = std::move(x);
}

// A uid/gid: a number, or -1 (libvirt's "unset", which older versions wrote).
std::string parseId(Elem& e, const char* what) {
  std::string t = e.text();
  if (t == "-1") return {};
  std::uint64_t n = 0;
  if (!parseUInt(t, n) || n > 0xfffffffeu) {
    e.fail(fmt::format("malformed {} element '{}': expected a numeric id", what, t));
    return {};
  }
  return std::to_string(n);
}

}  // namespace

void parsePerms(Elem& e, StoragePerms& perms, LeafExtras& leaf, const std::string& leafKey) {
  if (auto m = singleChild(e, "mode")) {
    std::string t = m->text();
    std::uint64_t mode = 0;
    // parseUInt takes any decimal digit; octal has no 8 or 9.
    if (t.find_first_of("89") != std::string::npos || !parseUInt(t, mode, 8) || mode > 0777)
      m->fail(fmt::format("malformed octal mode '{}'", t));
    else
      perms.mode = fmt::format("0{:o}", mode);
    finishInto(*m, leaf, leafKey + "/mode");
  }
  if (auto o = singleChild(e, "owner")) {
    perms.owner = parseId(*o, "owner");
    finishInto(*o, leaf, leafKey + "/owner");
  }
  if (auto g = singleChild(e, "group")) {
    perms.group = parseId(*g, "group");
    finishInto(*g, leaf, leafKey + "/group");
  }
  if (auto l = singleChild(e, "label")) {
    perms.label = l->text();
    finishInto(*l, leaf, leafKey + "/label");
  }
  finishInto(e, leaf, leafKey);
}

void formatPerms(XmlElement& parent, const StoragePerms& perms, bool keepEmpty) {
  if (perms.empty() && !keepEmpty) return;
  auto& p = parent.add("permissions");
  if (!perms.mode.empty()) p.add("mode").text = perms.mode;
  if (!perms.owner.empty()) p.add("owner").text = perms.owner;
  if (!perms.group.empty()) p.add("group").text = perms.group;
  if (!perms.label.empty()) p.add("label").text = perms.label;
}

}  // namespace stratus::conf
