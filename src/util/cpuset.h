// Sets of host CPU numbers in libvirt's bitmap syntax ("0-3,^2,8"): what
// vcpupin, emulatorpin and <cputune> take and print.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus {

class CpuSet {
 public:
  CpuSet() = default;
  // CPUs 0..n-1.
  static CpuSet all(unsigned n);
  // libvirt's syntax: N, N-M (N <= M) and ^N (drop N), separated by commas,
  // blanks allowed around numbers. nullopt when malformed or when a number
  // is >= limit. The result may be empty ("^1").
  static std::optional<CpuSet> parse(std::string_view text, unsigned limit = 1024);

  void set(unsigned cpu);
  void clear(unsigned cpu);
  bool has(unsigned cpu) const { return cpu < bits_.size() && bits_[cpu]; }
  bool empty() const;
  std::size_t count() const;
  std::optional<unsigned> last() const;  // highest CPU in the set
  std::vector<unsigned> cpus() const;    // ascending
  // Only the CPUs below n.
  CpuSet truncated(unsigned n) const;

  // libvirt's canonical form: runs as "A-B", single CPUs as "A", joined by
  // commas ("0-3,5"); "" for the empty set.
  std::string str() const;
  // virsh vcpuinfo's map: one 'y' or '-' per CPU 0..n-1.
  std::string yesNoMap(unsigned n) const;

  friend bool operator==(const CpuSet& a, const CpuSet& b) { return a.cpus() == b.cpus(); }

 private:
  std::vector<bool> bits_;
};

}  // namespace stratus
