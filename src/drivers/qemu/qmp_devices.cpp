#include "drivers/qemu/qmp_devices.h"

#include <fmt/format.h>

namespace stratus::qemu::qmp {

namespace {

Status simple(QmpTransport& m, const char* command, const Json& args) {
  auto r = m.execute(command, args);
  if (!r) return std::move(r).error();
  return okStatus();
}

Error badReply(const char* command, const std::string& why) {
  return Error(ErrorCode::OperationFailed, fmt::format("QMP {}: unexpected reply from QEMU: {}", command, why));
}

int intOr(const Json& j, const char* key, int fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : fallback;
}

std::string strOr(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// query-pci nests the devices behind bridges; collect them all.
void collectPci(const Json& bus, std::vector<PciDevice>& out, int depth) {
  auto devs = bus.find("devices");
  if (devs == bus.end() || !devs->is_array() || depth > 32) return;
  for (const Json& d : *devs) {
    if (!d.is_object()) continue;
    PciDevice p;
    p.bus = static_cast<unsigned>(intOr(d, "bus", 0));
    p.slot = static_cast<unsigned>(intOr(d, "slot", 0));
    p.function = static_cast<unsigned>(intOr(d, "function", 0));
    p.qdevId = strOr(d, "qdev_id");
    out.push_back(std::move(p));
    // A bridge lists the devices behind it under pci_bridge.devices.
    if (auto br = d.find("pci_bridge"); br != d.end() && br->is_object()) collectPci(*br, out, depth + 1);
  }
}

}  // namespace

Status blockdevAdd(QmpTransport& m, const Json& args) { return simple(m, "blockdev-add", args); }
Status blockdevDel(QmpTransport& m, const std::string& nodeName) {
  return simple(m, "blockdev-del", {{"node-name", nodeName}});
}
Status deviceAdd(QmpTransport& m, const Json& args) { return simple(m, "device_add", args); }
Status deviceDel(QmpTransport& m, const std::string& id) { return simple(m, "device_del", {{"id", id}}); }
Status netdevAdd(QmpTransport& m, const Json& args) { return simple(m, "netdev_add", args); }
Status netdevDel(QmpTransport& m, const std::string& id) { return simple(m, "netdev_del", {{"id", id}}); }

Result<std::vector<PciDevice>> queryPci(QmpTransport& m) {
  auto r = m.execute("query-pci");
  if (!r) return std::move(r).error();
  if (!r->is_array()) return badReply("query-pci", "not a list");
  std::vector<PciDevice> out;
  for (const Json& bus : *r)
    if (bus.is_object()) collectPci(bus, out, 0);
  return out;
}

Result<std::vector<HotpluggableCpu>> queryHotpluggableCpus(QmpTransport& m) {
  auto r = m.execute("query-hotpluggable-cpus");
  if (!r) return std::move(r).error();
  if (!r->is_array()) return badReply("query-hotpluggable-cpus", "not a list");
  std::vector<HotpluggableCpu> out;
  for (const Json& c : *r) {
    if (!c.is_object() || !c.contains("type") || !c["type"].is_string())
      return badReply("query-hotpluggable-cpus", "an entry without a type");
    HotpluggableCpu cpu;
    cpu.type = c["type"].get<std::string>();
    cpu.vcpusCount = intOr(c, "vcpus-count", 1);
    cpu.qomPath = strOr(c, "qom-path");
    if (auto p = c.find("props"); p != c.end() && p->is_object()) {
      cpu.props = *p;
      cpu.socketId = intOr(*p, "socket-id", -1);
      cpu.dieId = intOr(*p, "die-id", -1);
      cpu.coreId = intOr(*p, "core-id", -1);
      cpu.threadId = intOr(*p, "thread-id", -1);
    } else {
      cpu.props = Json::object();
    }
    out.push_back(std::move(cpu));
  }
  return out;
}

Status blockdevOpenTray(QmpTransport& m, const std::string& id, bool force) {
  return simple(m, "blockdev-open-tray", {{"id", id}, {"force", force}});
}
Status blockdevCloseTray(QmpTransport& m, const std::string& id) {
  return simple(m, "blockdev-close-tray", {{"id", id}});
}
Status blockdevRemoveMedium(QmpTransport& m, const std::string& id) {
  return simple(m, "blockdev-remove-medium", {{"id", id}});
}
Status blockdevInsertMedium(QmpTransport& m, const std::string& id, const std::string& nodeName) {
  return simple(m, "blockdev-insert-medium", {{"id", id}, {"node-name", nodeName}});
}
Status blockResize(QmpTransport& m, const std::string& nodeName, std::uint64_t bytes) {
  return simple(m, "block_resize", {{"node-name", nodeName}, {"size", bytes}});
}

Status setLink(QmpTransport& m, const std::string& name, bool up) {
  return simple(m, "set_link", {{"name", name}, {"up", up}});
}

}  // namespace stratus::qemu::qmp
