// Network interfaces: -netdev (user, or a tap fd the launcher opened) + -device.
#include "drivers/qemu/qemu_command_impl.h"
#include "drivers/qemu/qemu_hotplug_args.h"

namespace stratus::drivers::qemu {

void CommandBuilder::buildInterfaces() {
  const auto& ifs = def.devices.interfaces;
  for (std::size_t i = 0; i < ifs.size(); ++i) {
    const auto& n = ifs[i];
    const std::string what = "interface " + std::to_string(i) + " (type '" + n.type + "', mac " + n.mac + ")";
    std::string netdevId = "host" + n.info.alias;
    if (n.type == "user") {
      jsonArg("-netdev", {{"type", "user"}, {"id", netdevId}});
    } else if (n.type == "bridge" || n.type == "network" || n.type == "ethernet") {
      auto fd = ctx.tapFds.find(i);
      if (fd == ctx.tapFds.end()) {
        unsupported(what + ": no tap device was prepared for it");
        continue;
      }
      arg("-netdev", "tap,fd=" + std::to_string(fd->second) + ",id=" + netdevId);
    } else {
      unsupported(what + ": interface type '" + n.type + "' is not supported by the QEMU driver yet");
      continue;
    }
    std::string dev = nicDevice(n.model);
    if (dev.empty()) {
      unsupported(what + ": NIC model '" + n.model + "'");
      continue;
    }
    if (!needDevice(dev, what)) continue;
    std::string props = dev + ",netdev=" + netdevId + ",id=" + n.info.alias + ",mac=" + n.mac + pciAddr(n.info) +
                        bootIndex(n.info);
    if (n.linkState == "down") props += ",link_up=off";
    arg("-device", props);
  }
}

}  // namespace stratus::drivers::qemu
