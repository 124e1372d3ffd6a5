#include "network/tap.h"

#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace stratus::network {

namespace {

struct Sock {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ~Sock() {
    if (fd >= 0) ::close(fd);
  }
};

bool parseMac(const std::string& s, unsigned char out[6]) {
  unsigned v[6];
  if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) return false;
  for (int i = 0; i < 6; ++i) out[i] = static_cast<unsigned char>(v[i]);
  return true;
}

}  // namespace

// Asks the kernel in our own network namespace (/sys may show another one).
bool interfaceExists(const std::string& name) { return if_nametoindex(name.c_str()) != 0; }

Result<TapDevice> createTap(const std::string& nameTemplate, const std::string& guestMac, const std::string& bridge) {
  if (!bridge.empty() && !interfaceExists(bridge))
    return Error(ErrorCode::OperationFailed, "cannot attach a guest interface to bridge '" + bridge + "': no such device");
  int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) return systemError("cannot open /dev/net/tun", errno);
  TapDevice tap;
  tap.fd = fd;
  auto fail = [&](const std::string& what) {
    int err = errno;
    ::close(fd);
    return systemError(what, err);
  };
  struct ifreq ifr {};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", nameTemplate.c_str());
  if (::ioctl(fd, TUNSETIFF, &ifr) != 0) return fail("cannot create tap device " + nameTemplate);
  tap.name = ifr.ifr_name;
  Sock s;
  if (s.fd < 0) return fail("cannot open a control socket");
  unsigned char mac[6];
  if (parseMac(guestMac, mac)) {
    struct ifreq m {};
    std::snprintf(m.ifr_name, IFNAMSIZ, "%s", tap.name.c_str());
    m.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    mac[0] = 0xfe;
    std::memcpy(m.ifr_hwaddr.sa_data, mac, 6);
    if (::ioctl(s.fd, SIOCSIFHWADDR, &m) != 0) return fail("cannot set the MAC address of " + tap.name);
  }
  if (!bridge.empty()) {
    struct ifreq b {};
    std::snprintf(b.ifr_name, IFNAMSIZ, "%s", bridge.c_str());
    b.ifr_ifindex = static_cast<int>(if_nametoindex(tap.name.c_str()));
    if (::ioctl(s.fd, SIOCBRADDIF, &b) != 0) return fail("cannot add " + tap.name + " to bridge " + bridge);
  }
  struct ifreq up {};
  std::snprintf(up.ifr_name, IFNAMSIZ, "%s", tap.name.c_str());
  if (::ioctl(s.fd, SIOCGIFFLAGS, &up) != 0) return fail("cannot read flags of " + tap.name);
  up.ifr_flags = static_cast<short>(up.ifr_flags | IFF_UP);
  if (::ioctl(s.fd, SIOCSIFFLAGS, &up) != 0) return fail("cannot bring up " + tap.name);
  return tap;
}

}  // namespace stratus::network
