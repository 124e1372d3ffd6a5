#include "drivers/qemu/qmp_events.h"

#include <string_view>

namespace stratus::qemu {

namespace {

struct KindName {
  QmpEventKind kind;
  const char* name;
};
constexpr KindName kKinds[] = {
    {QmpEventKind::Shutdown, "SHUTDOWN"},
    {QmpEventKind::Stop, "STOP"},
    {QmpEventKind::Resume, "RESUME"},
    {QmpEventKind::Reset, "RESET"},
    {QmpEventKind::Powerdown, "POWERDOWN"},
    {QmpEventKind::GuestPanicked, "GUEST_PANICKED"},
    {QmpEventKind::DeviceDeleted, "DEVICE_DELETED"},
    {QmpEventKind::BlockIoError, "BLOCK_IO_ERROR"},
    {QmpEventKind::Migration, "MIGRATION"},
};

std::string str(const Json& data, const char* key) {
  auto it = data.find(key);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool flag(const Json& data, const char* key) {
  auto it = data.find(key);
  return it != data.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

const char* qmpEventKindName(QmpEventKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k.name;
  return "OTHER";
}

TypedQmpEvent parseQmpEvent(const QmpEvent& event) {
  TypedQmpEvent t;
  t.name = event.name;
  t.data = event.data.is_object() ? event.data : Json::object();
  for (const auto& k : kKinds)
    if (event.name == k.name) t.kind = k.kind;

  const Json& d = t.data;
  switch (t.kind) {
    case QmpEventKind::Shutdown:
    case QmpEventKind::Reset:
      t.guest = flag(d, "guest");
      t.reason = str(d, "reason");
      break;
    case QmpEventKind::GuestPanicked:
      t.action = str(d, "action");
      break;
    case QmpEventKind::DeviceDeleted:
      t.device = str(d, "device");
      t.path = str(d, "path");
      break;
    case QmpEventKind::BlockIoError:
      t.device = str(d, "device");
      t.node = str(d, "node-name");
      t.operation = str(d, "operation");
      t.action = str(d, "action");
      t.nospace = flag(d, "nospace");
      t.reason = str(d, "reason");
      break;
    case QmpEventKind::Migration:
      t.status = str(d, "status");
      break;
    case QmpEventKind::Stop:
    case QmpEventKind::Resume:
    case QmpEventKind::Powerdown:
    case QmpEventKind::Other:
      break;
  }
  return t;
}

}  // namespace stratus::qemu
