#include "util/cpuset.h"

#include <cctype>

namespace stratus {

CpuSet CpuSet::all(unsigned n) {
  CpuSet s;
  s.bits_.assign(n, true);
  return s;
}

void CpuSet::set(unsigned cpu) {
  if (cpu >= bits_.size()) bits_.resize(cpu + 1, false);
  bits_[cpu] = true;
}

void CpuSet::clear(unsigned cpu) {
  if (cpu < bits_.size()) bits_[cpu] = false;
}

bool CpuSet::empty() const { return count() == 0; }

std::size_t CpuSet::count() const {
  std::size_t n = 0;
  for (bool b : bits_) n += b;
  return n;
}

std::optional<unsigned> CpuSet::last() const {
  for (std::size_t i = bits_.size(); i-- > 0;)
    if (bits_[i]) return static_cast<unsigned>(i);
  return std::nullopt;
}

std::vector<unsigned> CpuSet::cpus() const {
  std::vector<unsigned> out;
  for (std::size_t i = 0; i < bits_.size(); ++i)
    if (bits_[i]) out.push_back(static_cast<unsigned>(i));
  return out;
}

CpuSet CpuSet::truncated(unsigned n) const {
  CpuSet s;
  for (unsigned c : cpus())
    if (c < n) s.set(c);
  return s;
}

namespace {

void skipBlanks(std::string_view s, std::size_t& i) {
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
}

// A decimal number below `limit` at s[i] (which must be a digit).
std::optional<unsigned> number(std::string_view s, std::size_t& i, unsigned limit) {
  if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  unsigned long long v = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
    if (v >= limit) return std::nullopt;
    ++i;
  }
  return static_cast<unsigned>(v);
}

}  // namespace

std::optional<CpuSet> CpuSet::parse(std::string_view s, unsigned limit) {
  CpuSet out;
  std::size_t i = 0;
  skipBlanks(s, i);
  if (i == s.size()) return std::nullopt;
  while (i < s.size()) {
    bool neg = false;
    if (s[i] == '^') {
      neg = true;
      ++i;
    }
    auto first = number(s, i, limit);
    if (!first) return std::nullopt;
    skipBlanks(s, i);
    if (i == s.size() || s[i] == ',') {
      if (neg) out.clear(*first);
      else out.set(*first);
    } else if (s[i] == '-') {
      if (neg) return std::nullopt;
      ++i;
      skipBlanks(s, i);
      auto last = number(s, i, limit);
      if (!last || *last < *first) return std::nullopt;
      for (unsigned c = *first; c <= *last; ++c) out.set(c);
      skipBlanks(s, i);
    }
    if (i == s.size()) break;
    if (s[i] != ',') return std::nullopt;
    ++i;
    skipBlanks(s, i);
  }
  return out;
}

std::string CpuSet::str() const {
  std::string out;
  auto list = cpus();
  for (std::size_t i = 0; i < list.size();) {
    std::size_t j = i;
    while (j + 1 < list.size() && list[j + 1] == list[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(list[i]);
    if (j > i) out += "-" + std::to_string(list[j]);
    i = j + 1;
  }
  return out;
}

std::string CpuSet::yesNoMap(unsigned n) const {
  std::string out(n, '-');
  for (unsigned c = 0; c < n; ++c)
    if (has(c)) out[c] = 'y';
  return out;
}

}  // namespace stratus
