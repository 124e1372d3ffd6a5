// Shared state of the command-line builder (qemu_command*.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <set>

#include "drivers/qemu/qemu_command.h"

namespace stratus::drivers::qemu {

struct CommandBuilder {
  const conf::DomainDef& def;
  const QemuCaps& caps;
  const CommandContext& ctx;
  QemuCommand out;
  std::optional<Error> error;  // the first problem found
  bool q35 = false;            // machine family decides buses (pci.0 vs pcie.0, ide vs ahci)
  bool usbNeeded = false;
  bool usbPresent = false;     // a usb controller device was emitted
  bool virtioSerialPresent = false;
  std::string audiodevId;      // created on first use
  // PCI slots on bus 0: the ones the XML fixes are taken first; every other
  // PCI device gets the next free slot, so QEMU never has to guess (and an
  // auto-placed device can never take a slot the XML gives to another).
  std::set<unsigned> usedSlots;
  unsigned nextSlot = 3;
  const conf::DeviceInfo* primaryVideo = nullptr;
  unsigned primaryVideoSlot = 2;
  void reservePciSlots();

  void arg(std::string a) { out.argv.push_back(std::move(a)); }
  void arg(std::string opt, std::string value) {
    out.argv.push_back(std::move(opt));
    out.argv.push_back(std::move(value));
  }
  void jsonArg(const std::string& opt, const nlohmann::json& j) { arg(opt, j.dump()); }
  void fail(ErrorCode code, std::string msg) {
    if (!error) error = Error(code, std::move(msg));
  }
  void unsupported(const std::string& what) {
    fail(ErrorCode::Unsupported, "unsupported configuration: " + what);
  }
  bool needDevice(const std::string& qemuDevice, const std::string& forWhat) {
    if (caps.hasDevice(qemuDevice)) return true;
    unsupported(forWhat + " needs QEMU device '" + qemuDevice + "', which " + caps.binary + " does not have");
    return false;
  }
  // ",bus=pci.0,addr=0x3": the device's own PCI address, or the next free
  // slot on bus 0 when the XML gives none (pass a default DeviceInfo for
  // devices the domain does not list, like an implicit AHCI controller).
  std::string pciAddr(const conf::DeviceInfo& info);
  std::string bootIndex(const conf::DeviceInfo& info) {
    return info.bootOrder ? ",bootindex=" + std::to_string(*info.bootOrder) : "";
  }
  const std::string& audiodev();

  void buildDisks();
  void buildInterfaces();
  void buildChardevs();
  void buildControllers();
  void buildGraphicsAndVideo();
  void buildOtherDevices();
};

}  // namespace stratus::drivers::qemu
