// console, vncdisplay, domdisplay: reaching a running guest's screen and
// serial console.
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include "cli/handlers.h"
#include "conf/domain_def.h"
#include "util/fd.h"

namespace stratus::cli {

namespace {

constexpr char kEscape = 0x1d;  // Ctrl-]

// Terminal in raw mode for the session, restored on every way out.
class RawTerminal {
 public:
  RawTerminal() {
    if (::isatty(0) && ::tcgetattr(0, &saved_) == 0) {
      termios raw = saved_;
      ::cfmakeraw(&raw);
      active_ = ::tcsetattr(0, TCSAFLUSH, &raw) == 0;
    }
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(0, TCSAFLUSH, &saved_);
  }

 private:
  termios saved_{};
  bool active_ = false;
};

// The live definition's graphics devices of a running domain.
Result<std::vector<conf::GraphicsDef>> liveGraphics(Ctl& ctl, const std::string& name) {
  auto xml = ctl.conn()->domainXml(name, {});
  if (!xml.ok()) return xml.error();
  auto def = conf::parseDomainXml(*xml, "live XML of " + name);
  if (!def.ok()) return def.error();
  return def->def.devices.graphics;
}

std::string listenOf(const conf::GraphicsDef& g) {
  std::string l = g.listen;
  for (const auto& x : g.listens)
    if (x.type == "address" && !x.address.empty()) l = x.address;
  if (l.empty() || l == "0.0.0.0") l = l.empty() ? "127.0.0.1" : "localhost";
  return l;
}

}  // namespace

bool cmdConsole(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  if (d->id < 0) {
    ctl.error("The domain is not running");
    return false;
  }
  auto fd = ctl.conn()->openConsole(d->name, pc.get("devname"));
  if (!fd.ok()) {
    ctl.error(fd.error());
    return false;
  }
  ctl.printExtra("Connected to domain '" + d->name + "'\nEscape character is ^] (Ctrl + ])\n");
  ctl.flush();
  {
    RawTerminal term;
    char buf[4096];
    bool stdinOpen = true;
    for (;;) {
      pollfd p[2] = {{*fd, POLLIN, 0}, {0, static_cast<short>(stdinOpen ? POLLIN : 0), 0}};
      if (::poll(p, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (p[0].revents) {
        ssize_t n = ::read(*fd, buf, sizeof buf);
        if (n <= 0 || !writeAll(1, std::string_view(buf, static_cast<std::size_t>(n)), "stdout")) break;
      }
      if (p[1].revents) {
        ssize_t n = ::read(0, buf, sizeof buf);
        if (n <= 0) {  // input ended (a script): keep showing the guest until it closes
          stdinOpen = false;
          continue;
        }
        bool quit = false;
        std::size_t keep = static_cast<std::size_t>(n);
        for (std::size_t i = 0; i < keep; ++i)
          if (buf[i] == kEscape) {
            keep = i;
            quit = true;
          }
        if (keep && !writeAll(*fd, std::string_view(buf, keep), "console")) break;
        if (quit) break;
      }
    }
  }
  ::close(*fd);
  ctl.printExtra("\n");
  return true;
}

bool attachConsole(Ctl& ctl, const std::string& domain) {
  ParsedCmd pc;
  pc.def = findCommand("console");
  pc.values["domain"] = domain;
  return cmdConsole(ctl, pc);
}

bool cmdVncdisplay(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  if (d->id < 0) {
    ctl.error("Requested operation is not valid: domain is not running");
    return false;
  }
  auto gs = liveGraphics(ctl, d->name);
  if (!gs.ok()) {
    ctl.error(gs.error());
    return false;
  }
  for (const auto& g : *gs) {
    if (g.type != "vnc" || !g.port || *g.port < 5900) continue;
    ctl.printf("{}:{}\n", listenOf(g), *g.port - 5900);
    return true;
  }
  ctl.error("Failed to get VNC display");
  return false;
}

bool cmdDomdisplay(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  if (d->id < 0) {
    ctl.error("Domain is not running");
    return false;
  }
  auto gs = liveGraphics(ctl, d->name);
  if (!gs.ok()) {
    ctl.error(gs.error());
    return false;
  }
  std::string want = pc.get("type");
  for (const auto& g : *gs) {
    if (!want.empty() && g.type != want) continue;
    if (!g.port || *g.port <= 0) continue;
    if (g.type == "vnc") ctl.printf("vnc://{}:{}\n", listenOf(g), *g.port - 5900);
    else if (g.type == "spice") ctl.printf("spice://{}:{}\n", listenOf(g), *g.port);
    else continue;
    return true;
  }
  ctl.error("No graphical display found");
  return false;
}

}  // namespace stratus::cli
