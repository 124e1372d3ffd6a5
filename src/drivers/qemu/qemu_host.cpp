// nodeinfo for the real host.
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "drivers/qemu/qemu_driver.h"

namespace stratus::drivers::qemu {

daemon::NodeInfo hostNodeInfo() {
  daemon::NodeInfo n;
  n.model = "x86_64";
  n.cpus = static_cast<unsigned>(::sysconf(_SC_NPROCESSORS_ONLN));
  std::ifstream cpu("/proc/cpuinfo");
  std::string line;
  std::set<std::string> packages;
  unsigned coresPerSocket = 0, siblings = 0;
  double mhz = 0;
  while (std::getline(cpu, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    std::string val = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (key == "physical id") packages.insert(val);
    else if (key == "cpu cores") coresPerSocket = static_cast<unsigned>(std::stoul(val));
    else if (key == "siblings") siblings = static_cast<unsigned>(std::stoul(val));
    else if (key == "cpu MHz" && mhz == 0) mhz = std::stod(val);
  }
  n.mhz = static_cast<unsigned>(mhz);
  n.nodes = 1;
  n.sockets = packages.empty() ? 1 : static_cast<unsigned>(packages.size());
  n.cores = coresPerSocket ? coresPerSocket : n.cpus / n.sockets;
  n.threads = (coresPerSocket && siblings) ? siblings / coresPerSocket : 1;
  if (n.sockets * n.cores * n.threads != n.cpus) {  // the guest view of a VM can be odd: keep it consistent
    n.sockets = 1;
    n.cores = n.cpus;
    n.threads = 1;
  }
  std::ifstream mem("/proc/meminfo");
  while (std::getline(mem, line)) {
    if (line.rfind("MemTotal:", 0) == 0) {
      std::istringstream ss(line.substr(9));
      ss >> n.memoryKiB;
    }
  }
  return n;
}

}  // namespace stratus::drivers::qemu
