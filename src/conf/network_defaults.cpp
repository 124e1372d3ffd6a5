// Stage 2: the defaults libvirt's network driver fills when a network is
// defined, so the stored definition says what will be built.
#include "conf/interface.h"
#include "conf/network_stages.h"

namespace stratus::conf {

void fillNetworkDefaults(NetworkDef& def) {
  if (def.uuid.isNull()) def.uuid = Uuid::generate();

  // <forward dev='x'/> and the first <interface dev='x'/> name one pool
  // (libvirt keeps only the list and writes dev from its first entry).
  NetForward& fw = def.forward;
  if (fw.interfaces.empty() && !fw.dev.empty()) fw.interfaces.push_back(fw.dev);
  if (fw.dev.empty() && !fw.interfaces.empty()) fw.dev = fw.interfaces.front();

  // Modes where we create the bridge: its name (a template; the daemon picks
  // a free number), STP and forward delay, and a stable MAC so the bridge
  // keeps its address (and the guests' neighbour caches) across restarts.
  if (def.needsBridge()) {
    if (def.bridge.name.empty()) def.bridge.name = "virbr%d";
    if (!def.bridge.stp) def.bridge.stp = true;
    if (!def.bridge.delay) def.bridge.delay = 0;
    if (def.mac.empty()) def.mac = generateMac();
  } else if (def.bridge.delay == 0u) {
    // delay='0' is the default and means nothing for a bridge we do not
    // manage; libvirt accepts and drops it.
    def.bridge.delay.reset();
  }
}

}  // namespace stratus::conf
