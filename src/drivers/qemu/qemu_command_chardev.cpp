// Character devices: serial ports, consoles and channels.
#include "drivers/qemu/qemu_command_impl.h"

namespace stratus::drivers::qemu {

namespace {

// The -chardev backend for one libvirt character device; "" + error when
// it cannot be expressed.
std::string backend(CommandBuilder& b, const conf::ChardevDef& c, const std::string& id, const std::string& what) {
  const conf::ChardevSource* src = c.sources.empty() ? nullptr : &c.sources[0];
  auto path = [&]() -> std::string { return src ? src->path : ""; };
  if (c.type == "pty") return "pty,id=" + id;
  if (c.type == "null") return "null,id=" + id;
  if (c.type == "vc") return "vc,id=" + id;
  if (c.type == "file") {
    if (path().empty()) {
      b.fail(ErrorCode::XmlInvalid, "XML error: " + what + ": file chardev needs <source path=...>");
      return "";
    }
    // <source append='on'>: QEMU keeps what the file holds (a guest started
    // again, or migrated on shared storage, goes on with the same log)
    // instead of truncating it.
    std::string append;
    for (const auto& [name, value] : src->extra.attrs)
      if (name == "append" && value == "on") append = ",append=on";
    return "file,id=" + id + ",path=" + qemuEscape(path()) + append;
  }
  if (c.type == "unix") {
    if (path().empty()) {
      b.fail(ErrorCode::XmlInvalid, "XML error: " + what + ": unix chardev needs <source path=...>");
      return "";
    }
    bool server = !src || src->mode.empty() || src->mode == "bind";
    return "socket,id=" + id + ",path=" + qemuEscape(path()) + (server ? ",server=on,wait=off" : "");
  }
  if (c.type == "tcp") {
    if (!src || src->service.empty()) {
      b.fail(ErrorCode::XmlInvalid, "XML error: " + what + ": tcp chardev needs <source host=... service=...>");
      return "";
    }
    bool server = src->mode == "bind";
    std::string host = src->host.empty() ? "127.0.0.1" : src->host;
    std::string s = "socket,id=" + id + ",host=" + host + ",port=" + src->service + (server ? ",server=on,wait=off" : "");
    if (c.protocol == "telnet") s += ",telnet=on";
    return s;
  }
  if (c.type == "dev") return "serial,id=" + id + ",path=" + qemuEscape(path());
  if (c.type == "pipe") return "pipe,id=" + id + ",path=" + qemuEscape(path());
  b.unsupported(what + ": character device type '" + c.type + "'");
  return "";
}

}  // namespace

void CommandBuilder::buildChardevs() {
  const auto& dv = def.devices;
  for (std::size_t i = 0; i < dv.serials.size(); ++i) {
    const auto& s = dv.serials[i];
    const std::string what = "serial " + std::to_string(i);
    if (!s.targetType.empty() && s.targetType != "isa-serial" && s.targetType != "isa") {
      unsupported(what + ": serial target type '" + s.targetType + "'");
      continue;
    }
    std::string id = "char" + s.info.alias;
    std::string be = backend(*this, s, id, what);
    if (be.empty()) continue;
    arg("-chardev", be);
    unsigned index = s.targetPort.value_or(static_cast<unsigned>(i));
    arg("-device", "isa-serial,chardev=" + id + ",id=" + s.info.alias + ",index=" + std::to_string(index));
  }
  // A console of target type serial is the serial port itself (libvirt's
  // convention); a virtio console needs its own device.
  for (std::size_t i = 0; i < dv.consoles.size(); ++i) {
    const auto& c = dv.consoles[i];
    if (c.targetType.empty() || c.targetType == "serial") {
      if (dv.serials.empty()) {
        // virsh users write only <console type='pty'>: it becomes serial0.
        std::string id = "charserial0";
        std::string be = backend(*this, c, id, "console " + std::to_string(i));
        if (be.empty()) continue;
        arg("-chardev", be);
        arg("-device", "isa-serial,chardev=" + id + ",id=serial0,index=0");
      }
      continue;
    }
    if (c.targetType != "virtio") {
      unsupported("console " + std::to_string(i) + ": target type '" + c.targetType + "'");
      continue;
    }
    if (!virtioSerialPresent) {
      arg("-device", "virtio-serial-pci,id=virtio-serial0" + pciAddr(conf::DeviceInfo{}));
      virtioSerialPresent = true;
    }
    std::string id = "char" + c.info.alias;
    std::string be = backend(*this, c, id, "console " + std::to_string(i));
    if (be.empty()) continue;
    arg("-chardev", be);
    arg("-device", "virtconsole,chardev=" + id + ",id=" + c.info.alias);
  }
  for (std::size_t i = 0; i < dv.channels.size(); ++i) {
    const auto& c = dv.channels[i];
    const std::string what = "channel " + std::to_string(i);
    if (c.targetType != "virtio") {
      unsupported(what + ": channel target type '" + c.targetType + "' (virtio is supported)");
      continue;
    }
    if (!virtioSerialPresent) {
      arg("-device", "virtio-serial-pci,id=virtio-serial0" + pciAddr(conf::DeviceInfo{}));
      virtioSerialPresent = true;
    }
    std::string id = "char" + c.info.alias;
    std::string be = backend(*this, c, id, what);
    if (be.empty()) continue;
    arg("-chardev", be);
    std::string dev = "virtserialport,bus=virtio-serial0.0,chardev=" + id + ",id=" + c.info.alias;
    if (!c.targetName.empty()) dev += ",name=" + qemuEscape(c.targetName);
    arg("-device", dev);
  }
  if (!dv.parallels.empty()) unsupported("parallel ports are not supported by the QEMU driver");
}

}  // namespace stratus::drivers::qemu
