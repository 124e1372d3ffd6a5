#include "drivers/qemu/host_stats.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "util/process.h"

namespace stratus::drivers::qemu {

namespace {

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

std::optional<std::uint64_t> toU64(std::string_view s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Result<daemon::NodeCpuStats> parseProcStat(std::string_view text, int cpu, long ticksPerSecond) {
  const std::string want = cpu < 0 ? "cpu" : "cpu" + std::to_string(cpu);
  const std::uint64_t nsPerTick = 1000000000ULL / static_cast<std::uint64_t>(ticksPerSecond > 0 ? ticksPerSecond : 100);
  for (auto line : lines(text)) {
    auto w = words(line);
    if (w.empty() || w[0] != want) continue;
    std::uint64_t v[7] = {};
    if (w.size() < 8) break;
    for (int i = 0; i < 7; ++i) {
      auto n = toU64(w[static_cast<std::size_t>(i) + 1]);
      if (!n) return Error(ErrorCode::OperationFailed, "internal error: malformed /proc/stat line: " + std::string(line));
      v[i] = *n;
    }
    daemon::NodeCpuStats s;
    s.user = (v[0] + v[1]) * nsPerTick;
    s.kernel = (v[2] + v[5] + v[6]) * nsPerTick;
    s.idle = v[3] * nsPerTick;
    s.iowait = v[4] * nsPerTick;
    return s;
  }
  return Error(ErrorCode::InvalidArgument, "invalid argument: Invalid cpuNum in virHostCPUGetStatsLinux");
}

Result<daemon::NodeMemoryStats> parseMeminfo(std::string_view text) {
  daemon::NodeMemoryStats s;
  bool total = false, free = false;
  for (auto line : lines(text)) {
    auto w = words(line);
    // "Node 0 MemTotal: 123 kB" in a NUMA node's file.
    if (w.size() >= 2 && w[0] == "Node") w.erase(w.begin(), w.begin() + 2);
    if (w.size() < 2) continue;
    auto v = toU64(w[1]);
    if (!v) continue;
    if (w.size() >= 3 && w[2] == "MB") *v *= 1024;
    if (w[0] == "MemTotal:") s.total = *v, total = true;
    else if (w[0] == "MemFree:") s.free = *v, free = true;
    else if (w[0] == "Buffers:") s.buffers = *v;
    else if (w[0] == "Cached:") s.cached = *v;
  }
  if (!total || !free)
    return Error(ErrorCode::OperationFailed, "internal error: no available memory line found");
  return s;
}

std::optional<std::string> statusField(std::string_view text, std::string_view key) {
  for (auto line : lines(text)) {
    if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ':') continue;
    auto w = words(line.substr(key.size() + 1));
    if (w.empty()) return std::string();
    return std::string(w[0]);
  }
  return std::nullopt;
}

std::optional<TaskStat> parseTaskStat(std::string_view text) {
  // "tid (comm) S ppid ...": comm may hold blanks and parentheses.
  auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  auto rest = text.substr(close + 1);
  rest = rest.substr(0, rest.find('\n'));
  auto w = words(rest);
  // w[0] is field 3 (state): field N is w[N-3].
  if (w.size() < 37 || w[0].size() != 1) return std::nullopt;
  TaskStat t;
  t.state = w[0][0];
  auto ut = toU64(w[14 - 3]), st = toU64(w[15 - 3]), cpu = toU64(w[39 - 3]);
  if (!ut || !st || !cpu) return std::nullopt;
  t.utimeTicks = *ut;
  t.stimeTicks = *st;
  t.processor = static_cast<int>(*cpu);
  return t;
}

Result<NetDevCounters> readNetDevCounters(const std::string& dir) {
  if (::access(dir.c_str(), F_OK) != 0) return systemError("cannot read interface statistics " + dir, errno);
  auto read = [&](const char* name) -> std::int64_t {
    std::ifstream in(dir + "/" + name);
    std::string s;
    if (!(in >> s)) return -1;
    auto v = toU64(s);
    return v && *v <= static_cast<std::uint64_t>(INT64_MAX) ? static_cast<std::int64_t>(*v) : -1;
  };
  NetDevCounters c;
  c.rxBytes = read("rx_bytes");
  c.rxPackets = read("rx_packets");
  c.rxErrors = read("rx_errors");
  c.rxDropped = read("rx_dropped");
  c.txBytes = read("tx_bytes");
  c.txPackets = read("tx_packets");
  c.txErrors = read("tx_errors");
  c.txDropped = read("tx_dropped");
  return c;
}

daemon::InterfaceStats guestViewOfTap(const NetDevCounters& c) {
  daemon::InterfaceStats s;
  s.rxBytes = c.txBytes;
  s.rxPackets = c.txPackets;
  s.rxErrs = c.txErrors;
  s.rxDrop = c.txDropped;
  s.txBytes = c.rxBytes;
  s.txPackets = c.rxPackets;
  s.txErrs = c.rxErrors;
  s.txDrop = c.rxDropped;
  return s;
}

std::vector<ArpEntry> parseProcNetArp(std::string_view text) {
  std::vector<ArpEntry> out;
  auto ls = lines(text);
  for (std::size_t i = 1; i < ls.size(); ++i) {  // the first line is the header
    auto w = words(ls[i]);
    if (w.size() < 6) continue;
    // Flags 0x0: incomplete (no answer yet).
    if (w[2] == "0x0" || w[3] == "00:00:00:00:00:00") continue;
    out.push_back({std::string(w[0]), std::string(w[3]), std::string(w[5])});
  }
  return out;
}

std::optional<std::uint64_t> qcow2VirtualSize(std::string_view h) {
  if (h.size() < 32 || h.substr(0, 4) != std::string_view("QFI\xfb", 4)) return std::nullopt;
  std::uint64_t v = 0;
  for (int i = 24; i < 32; ++i) v = (v << 8) | static_cast<unsigned char>(h[static_cast<std::size_t>(i)]);
  return v;
}

std::optional<daemon::BlockInfo> parseQemuImgInfo(std::string_view text) {
  auto brace = text.find('{');
  if (brace == std::string_view::npos) return std::nullopt;
  auto j = nlohmann::json::parse(text.substr(brace), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto size = [&](const char* key) -> std::optional<std::uint64_t> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned()) return std::nullopt;
    return it->get<std::uint64_t>();
  };
  auto virtualSize = size("virtual-size");
  if (!virtualSize) return std::nullopt;
  daemon::BlockInfo info;
  info.capacity = *virtualSize;
  info.allocation = size("actual-size").value_or(0);
  return info;
}

Result<daemon::BlockInfo> imageBlockInfo(const std::string& path, const std::string& format) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return systemError("cannot stat file '" + path + "'", errno);
  daemon::BlockInfo info;
  if (S_ISBLK(st.st_mode)) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return systemError("cannot open '" + path + "'", errno);
    off_t end = ::lseek(fd, 0, SEEK_END);
    ::close(fd);
    if (end < 0) return systemError("cannot get the size of '" + path + "'", errno);
    info.capacity = info.allocation = info.physical = static_cast<std::uint64_t>(end);
    return info;
  }
  info.physical = static_cast<std::uint64_t>(st.st_size);
  info.allocation = static_cast<std::uint64_t>(st.st_blocks) * 512;
  info.capacity = info.physical;
  if (format == "qcow2" || format.empty()) {
    std::ifstream in(path, std::ios::binary);
    char buf[32] = {};
    if (in.read(buf, sizeof buf))
      if (auto v = qcow2VirtualSize(std::string_view(buf, sizeof buf))) info.capacity = *v;
  } else if (format != "raw") {
    // -U: the image may be in use by a running guest.
    auto out = runCapture({"qemu-img", "info", "--output=json", "-U", "-f", format, path}, std::chrono::seconds(30));
    if (!out) return std::move(out).error();
    auto img = parseQemuImgInfo(*out);
    if (!img) return Error(ErrorCode::OperationFailed, "internal error: cannot read qemu-img info of '" + path + "'");
    info.capacity = img->capacity;
    if (img->allocation) info.allocation = img->allocation;
  }
  return info;
}

Result<daemon::BlockInfo> diskImageInfo(const conf::DiskDef& disk) {
  if (disk.type == "network")
    return Error(ErrorCode::Unsupported, "Operation not supported: size of a network disk of an inactive domain");
  const std::string& path = conf::diskHostPath(disk);
  if (path.empty()) return daemon::BlockInfo{};
  return imageBlockInfo(path, disk.driverType.empty() ? disk.volumeFormat : disk.driverType);
}

Result<std::string> readHostFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return systemError("cannot read " + path, errno);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<daemon::NodeCpuMap> hostCpuMap(const std::string& sysCpuDir) {
  auto present = readHostFile(sysCpuDir + "/present");
  if (!present) return std::move(present).error();
  auto online = readHostFile(sysCpuDir + "/online");
  if (!online) return std::move(online).error();
  auto trim = [](std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  };
  auto p = CpuSet::parse(trim(*present), 1u << 16);
  auto o = CpuSet::parse(trim(*online), 1u << 16);
  if (!p || !o) return Error(ErrorCode::OperationFailed, "internal error: cannot parse " + sysCpuDir + "/present or online");
  daemon::NodeCpuMap m;
  m.cpus = p->last() ? *p->last() + 1 : 0;
  m.online = static_cast<unsigned>(o->count());
  m.onlineCpus = o->str();
  return m;
}

Result<daemon::NodeCpuStats> hostCpuStats(int cpu) {
  auto text = readHostFile("/proc/stat");
  if (!text) return std::move(text).error();
  return parseProcStat(*text, cpu, ::sysconf(_SC_CLK_TCK));
}

Result<daemon::NodeMemoryStats> hostMemoryStats(int cell) {
  if (cell < 0) {
    auto text = readHostFile("/proc/meminfo");
    if (!text) return std::move(text).error();
    return parseMeminfo(*text);
  }
  std::string path = "/sys/devices/system/node/node" + std::to_string(cell) + "/meminfo";
  auto text = readHostFile(path);
  if (!text) {
    // libvirt's words, with the highest node this host has.
    int maxNode = 0;
    auto nodes = readHostFile("/sys/devices/system/node/online");
    if (nodes) {
      std::string s = *nodes;
      while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
      if (auto set = CpuSet::parse(s, 1u << 16); set && set->last()) maxNode = static_cast<int>(*set->last());
    }
    return Error(ErrorCode::InvalidArgument, "invalid argument: cellNum in virHostMemGetStats only accepts values between 0 and " +
                                                 std::to_string(maxNode));
  }
  return parseMeminfo(*text);
}

std::vector<int> processThreads(int pid) {
  std::vector<int> out;
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (auto* e = ::readdir(d)) {
    int tid = 0;
    std::string_view n(e->d_name);
    auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), tid);
    if (ec == std::errc() && p == n.data() + n.size() && tid > 0) out.push_back(tid);
  }
  ::closedir(d);
  return out;
}

Status setThreadAffinity(int tid, const CpuSet& cpus) {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  for (unsigned c : cpus.cpus())
    if (c < CPU_SETSIZE) CPU_SET(c, &mask);
  if (::sched_setaffinity(tid, sizeof mask, &mask) != 0)
    return systemError("cannot set CPU affinity of thread " + std::to_string(tid) + " to " + cpus.str(), errno);
  return okStatus();
}

Result<CpuSet> threadAffinity(int tid) {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (::sched_getaffinity(tid, sizeof mask, &mask) != 0)
    return systemError("cannot get CPU affinity of thread " + std::to_string(tid), errno);
  CpuSet s;
  for (unsigned c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &mask)) s.set(c);
  return s;
}

}  // namespace stratus::drivers::qemu
