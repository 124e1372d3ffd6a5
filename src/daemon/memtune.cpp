#include "daemon/memtune.h"

#include <algorithm>
#include <charconv>

#include "conf/domain_xml_io.h"

namespace stratus::daemon {

namespace {

constexpr const char* kLimits[] = {"hard_limit", "soft_limit", "swap_hard_limit"};

std::optional<std::uint64_t> limitKiB(const conf::XmlElement& memtune, const char* name) {
  const conf::XmlElement* e = memtune.child(name);
  if (!e) return std::nullopt;
  std::uint64_t v = 0;
  std::string text = conf::trim(e->text);
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  std::uint64_t scale = 1024;
  if (const std::string* unit = e->attr("unit")) {
    auto s = conf::unitScale(*unit);
    if (!s) return std::nullopt;
    scale = *s;
  }
  if (v >= kMemoryUnlimited) return std::nullopt;
  // bytes -> KiB, rounded up, without overflowing.
  if (scale >= 1024) {
    std::uint64_t f = scale / 1024;
    if (v > UINT64_MAX / f) return std::nullopt;
    v *= f;
  } else {
    v = (v * scale + 1023) / 1024;
  }
  if (v >= kMemoryUnlimited) return std::nullopt;
  return v;
}

std::optional<std::uint64_t>& field(MemoryTune& t, int i) {
  return i == 0 ? t.hardLimitKiB : i == 1 ? t.softLimitKiB : t.swapHardLimitKiB;
}

}  // namespace

MemoryTune memoryTuneOf(const conf::DomainDef& def) {
  MemoryTune t;
  for (const auto& e : def.otherElements) {
    if (e.name != "memtune") continue;
    for (int i = 0; i < 3; ++i) field(t, i) = limitKiB(e, kLimits[i]);
  }
  return t;
}

Result<MemoryTune> applyMemoryTune(conf::DomainDef& def, const MemoryTuneUpdate& u) {
  if (u.minGuaranteeKiB)
    return Error(ErrorCode::Unsupported, "argument unsupported: parameter 'min_guarantee' not supported");
  MemoryTune t = memoryTuneOf(def);
  const std::optional<std::uint64_t>* given[] = {&u.hardLimitKiB, &u.softLimitKiB, &u.swapHardLimitKiB};
  for (int i = 0; i < 3; ++i) {
    if (!*given[i]) continue;
    field(t, i) = **given[i] >= kMemoryUnlimited ? std::nullopt : *given[i];
  }
  if ((u.hardLimitKiB || u.swapHardLimitKiB) &&
      t.hardLimitKiB.value_or(kMemoryUnlimited) > t.swapHardLimitKiB.value_or(kMemoryUnlimited))
    return Error(ErrorCode::InvalidArgument,
                 "invalid argument: memory hard_limit tunable value must be lower than or equal to swap_hard_limit");
  // Rewrite <memtune>: our three limits, whatever else it held after them.
  auto it = std::find_if(def.otherElements.begin(), def.otherElements.end(),
                         [](const conf::XmlElement& e) { return e.name == "memtune"; });
  conf::XmlElement memtune("memtune");
  for (int i = 0; i < 3; ++i) {
    if (!field(t, i)) continue;
    auto& c = memtune.add(kLimits[i]);
    c.set("unit", "KiB");
    c.text = std::to_string(*field(t, i));
  }
  if (it != def.otherElements.end()) {
    for (const auto& c : it->children)
      if (std::find(std::begin(kLimits), std::end(kLimits), c.name) == std::end(kLimits)) memtune.append(c);
    memtune.attrs = it->attrs;
  }
  if (memtune.children.empty()) {
    if (it != def.otherElements.end()) def.otherElements.erase(it);
  } else if (it != def.otherElements.end()) {
    *it = std::move(memtune);
  } else {
    def.otherElements.push_back(std::move(memtune));
  }
  return t;
}

}  // namespace stratus::daemon
