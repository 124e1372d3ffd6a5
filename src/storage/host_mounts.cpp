#include "storage/host_mounts.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "storage/command.h"

namespace stratus::storage {

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescapeOctal(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      auto oct = s.substr(i + 1, 3);
      if (oct.size() == 3 && oct.find_first_not_of("01234567") == std::string_view::npos) {
        out += static_cast<char>((oct[0] - '0') * 64 + (oct[1] - '0') * 8 + (oct[2] - '0'));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string readText(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string canonical(const std::string& path) {
  char* r = ::realpath(path.c_str(), nullptr);
  if (!r) return path;
  std::string s = r;
  std::free(r);
  return s;
}

}  // namespace

std::vector<MountEntry> parseMountInfo(std::string_view text) {
  // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
  std::vector<MountEntry> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::vector<std::string> f;
    std::string w;
    while (ls >> w) f.push_back(w);
    auto dash = std::find(f.begin(), f.end(), "-");
    if (f.size() < 5 || dash == f.end() || f.end() - dash < 3) continue;
    MountEntry e;
    e.target = unescapeOctal(f[4]);
    e.fstype = *(dash + 1);
    e.source = unescapeOctal(*(dash + 2));
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<MountEntry> currentMounts() { return parseMountInfo(readText("/proc/self/mountinfo")); }

std::optional<MountEntry> mountAt(const std::string& target) {
  std::string t = canonical(target);
  std::optional<MountEntry> found;
  for (auto& m : currentMounts())
    if (m.target == t) found = m;
  return found;
}

std::vector<std::string> loopDevicesOf(const std::string& file) {
  std::vector<std::string> out;
  std::string want = canonical(file);
  DIR* d = ::opendir("/sys/block");
  if (!d) return out;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.rfind("loop", 0) != 0) continue;
    std::string backing = readText("/sys/block/" + n + "/loop/backing_file");
    while (!backing.empty() && backing.back() == '\n') backing.pop_back();
    if (!backing.empty() && backing == want) out.push_back("/dev/" + n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::string> attachLoop(const std::string& file) {
  auto r = runCommand({"losetup", "--find", "--show", file});
  if (!r) return Error(r.error().code, "cannot attach '" + file + "' to a loop device: " + r.error().message);
  std::string dev = r->out;
  while (!dev.empty() && (dev.back() == '\n' || dev.back() == ' ')) dev.pop_back();
  return dev;
}

Status detachLoop(const std::string& device) {
  auto r = runCommand({"losetup", "-d", device});
  if (!r) return std::move(r).error();
  return okStatus();
}

Status mountFs(const std::string& source, const std::string& target, const std::string& fstype,
               const std::vector<std::string>& options) {
  std::vector<std::string> argv = {"mount"};
  if (!fstype.empty() && fstype != "auto") argv.insert(argv.end(), {"-t", fstype});
  if (!options.empty()) {
    std::string o;
    for (const auto& x : options) o += (o.empty() ? "" : ",") + x;
    argv.insert(argv.end(), {"-o", o});
  }
  argv.push_back(source);
  argv.push_back(target);
  auto r = runCommand(argv);
  if (!r) return Error(r.error().code, "cannot mount '" + source + "' on '" + target + "': " + r.error().message);
  return okStatus();
}

Status unmountFs(const std::string& target) {
  auto r = runCommand({"umount", target});
  if (!r) return Error(r.error().code, "cannot unmount '" + target + "': " + r.error().message);
  return okStatus();
}

bool isRegularFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
bool isBlockDevice(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode);
}
bool isDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace stratus::storage
