// Typed QMP commands for hot-plug: block nodes, devices, network backends,
// PCI and CPU slots, removable media, block resize, links.
// Arguments of blockdev-add / device_add / netdev_add come from
// qemu_hotplug_args.h; these functions only run them and parse replies.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "drivers/qemu/qmp_commands.h"  // getfd / closefd
#include "drivers/qemu/qmp_transport.h"

namespace stratus::qemu::qmp {

// --- devices and backends ---------------------------------------------------------------
Status blockdevAdd(QmpTransport& m, const Json& args);
Status blockdevDel(QmpTransport& m, const std::string& nodeName);
Status deviceAdd(QmpTransport& m, const Json& args);
// Asks for the device to go; it is gone once DEVICE_DELETED names it.
Status deviceDel(QmpTransport& m, const std::string& id);
Status netdevAdd(QmpTransport& m, const Json& args);
Status netdevDel(QmpTransport& m, const std::string& id);

// --- PCI ------------------------------------------------------------------------------
struct PciDevice {
  unsigned bus = 0, slot = 0, function = 0;
  std::string qdevId;  // "" for built-in devices
};
// Every device on every bus (bridges' buses included).
Result<std::vector<PciDevice>> queryPci(QmpTransport& m);

// --- vCPUs ----------------------------------------------------------------------------
struct HotpluggableCpu {
  std::string type;    // QOM type to device_add ("qemu64-x86_64-cpu")
  int vcpusCount = 1;
  Json props;          // socket-id, core-id, thread-id, die-id, node-id: copied into device_add
  std::string qomPath; // "" when the slot is empty
  int socketId = -1, dieId = -1, coreId = -1, threadId = -1;
};
Result<std::vector<HotpluggableCpu>> queryHotpluggableCpus(QmpTransport& m);

// --- removable media and sizes -----------------------------------------------------------
Status blockdevOpenTray(QmpTransport& m, const std::string& id, bool force);
Status blockdevCloseTray(QmpTransport& m, const std::string& id);
Status blockdevRemoveMedium(QmpTransport& m, const std::string& id);
Status blockdevInsertMedium(QmpTransport& m, const std::string& id, const std::string& nodeName);
Status blockResize(QmpTransport& m, const std::string& nodeName, std::uint64_t bytes);

// --- NICs -------------------------------------------------------------------------------
Status setLink(QmpTransport& m, const std::string& name, bool up);

}  // namespace stratus::qemu::qmp
