// Typed view of the QMP events the QEMU driver acts on.
#pragma once

#include <string>

#include "drivers/qemu/qmp_transport.h"

namespace stratus::qemu {

enum class QmpEventKind {
  Shutdown,       // SHUTDOWN: guest, reason
  Stop,           // STOP
  Resume,         // RESUME
  Reset,          // RESET: guest, reason
  Powerdown,      // POWERDOWN (the power button was pressed)
  GuestPanicked,  // GUEST_PANICKED: action
  DeviceDeleted,  // DEVICE_DELETED: device, path
  BlockIoError,   // BLOCK_IO_ERROR: device, node, operation, action, nospace, reason
  Migration,      // MIGRATION: status
  Other,          // anything else (name and data still available)
};

// One struct for every kind: fields that a kind does not carry stay empty.
struct TypedQmpEvent {
  QmpEventKind kind = QmpEventKind::Other;
  std::string name;
  bool guest = false;      // SHUTDOWN, RESET: the guest asked for it
  std::string reason;      // SHUTDOWN, RESET ("guest-shutdown", "host-qmp-quit", ...); BLOCK_IO_ERROR
  std::string action;      // GUEST_PANICKED ("pause", "poweroff", ...); BLOCK_IO_ERROR ("stop", ...)
  std::string device;      // DEVICE_DELETED, BLOCK_IO_ERROR: qdev id / drive name
  std::string path;        // DEVICE_DELETED: QOM path
  std::string node;        // BLOCK_IO_ERROR: node-name
  std::string operation;   // BLOCK_IO_ERROR: "read" / "write"
  bool nospace = false;    // BLOCK_IO_ERROR: ENOSPC
  std::string status;      // MIGRATION: "setup", "active", "completed", "failed", ...
  Json data;               // the raw event data
};

const char* qmpEventKindName(QmpEventKind kind);

// Never fails: unknown events become Other, missing or mistyped fields stay empty.
TypedQmpEvent parseQmpEvent(const QmpEvent& event);

}  // namespace stratus::qemu
