#include "daemon/test_node.h"

#include <pugixml.hpp>

#include <filesystem>
#include <sstream>

#include "daemon/network_registry.h"
#include "daemon/node.h"
#include "drivers/test/test_driver.h"
#include "util/atomic_file.h"

namespace stratus::daemon {

namespace {

// libvirt's test:///default domain, as `virsh -c test:///default dumpxml test`
// shows it.
constexpr const char* kDefaultDomain = R"(<domain type='test'>
  <name>test</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <memory unit='KiB'>8388608</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='i686'>hvm</type>
    <boot dev='hd'/>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/diskimage1'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default'/>
      <target dev='testnet0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </interface>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </memballoon>
  </devices>
</domain>
)";

// Define and start one domain of the node file; the simulated guest starts
// running with reason "unknown", as libvirt's test driver reports it.
Status addRunning(Node& node, const std::string& xml, const std::string& source) {
  auto d = node.addRunningDomain(xml, source);
  if (!d) return std::move(d).error();
  return okStatus();
}


// Define and start one network of the node (simulated: nothing on the host).
Status addActiveNetwork(Node& node, const std::string& xml, const std::string& source) {
  auto n = node.defineNetwork(xml, source);
  if (!n) return std::move(n).error();
  return node.startNetwork(n->network.name);
}

// libvirt's test:///default pool (no volumes).
constexpr const char* kDefaultPool = R"(<pool type='dir'>
  <name>default-pool</name>
  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
  <target>
    <path>/default-pool</path>
  </target>
</pool>
)";

// Define and start one pool of the node (simulated: nothing on the host).
Status addActivePool(Node& node, const std::string& xml, const std::string& source) {
  auto p = node.definePool(xml, source);
  if (!p) return std::move(p).error();
  return node.startPool(p->pool.name, {});
}

Result<std::unique_ptr<NodeService>> openDefault() {
  NodeConfig cfg;
  cfg.uri = "test:///default";
  cfg.runAutostart = false;
  auto node = Node::open(cfg, drivers::makeTestDriver());
  if (!node) return std::move(node).error();
  // The domain's NIC is on this network: it runs first.
  STRATUS_TRY(addActiveNetwork(**node, defaultNetworkXml("dd8fe884-6c02-601e-7551-cca97df1c5df"), "test:///default"));
  STRATUS_TRY(addRunning(**node, kDefaultDomain, "test:///default"));
  STRATUS_TRY(addActivePool(**node, kDefaultPool, "test:///default"));
  return std::unique_ptr<NodeService>(std::move(node).value());
}

Result<std::unique_ptr<NodeService>> openFile(const std::string& uri, const std::string& path) {
  auto text = readFile(path);
  if (!text) return std::move(text).error();
  pugi::xml_document doc;
  auto res = doc.load_buffer(text->data(), text->size());
  if (!res) return Error(ErrorCode::XmlSyntax, res.description(), ErrorLocation{path, 0, "node"});
  auto root = doc.child("node");
  if (!root) return Error(ErrorCode::XmlInvalid, "missing <node> root element", ErrorLocation{path, 1, "node"});
  daemon::NodeInfo host = drivers::defaultTestHost();
  if (auto cpu = root.child("cpu")) {
    host.mhz = cpu.child("mhz").text().as_uint(host.mhz);
    if (cpu.child("model")) host.model = cpu.child_value("model");
    host.nodes = cpu.child("nodes").text().as_uint(host.nodes);
    host.sockets = cpu.child("sockets").text().as_uint(host.sockets);
    host.cores = cpu.child("cores").text().as_uint(host.cores);
    host.threads = cpu.child("threads").text().as_uint(host.threads);
    host.cpus = cpu.child("active").text().as_uint(host.nodes * host.sockets * host.cores * host.threads);
  }
  host.memoryKiB = root.child("memory").text().as_ullong(host.memoryKiB);
  NodeConfig cfg;
  cfg.uri = uri;
  cfg.runAutostart = false;
  auto node = Node::open(cfg, drivers::makeTestDriver(host));
  if (!node) return std::move(node).error();
  for (auto net : root.children("network")) {
    std::ostringstream ss;
    net.print(ss, "  ");
    STRATUS_TRY(addActiveNetwork(**node, ss.str(), path));
  }
  for (auto dom : root.children("domain")) {
    std::string xml, source = path;
    if (auto file = dom.attribute("file")) {
      source = file.as_string();
      // Relative to the node file (its path is absolute: openTestNode checks).
      if (!source.empty() && source[0] != '/') source = (std::filesystem::path(path).parent_path() / source).string();
      auto t = readFile(source);
      if (!t) return std::move(t).error();
      xml = std::move(*t);
    } else {
      std::ostringstream ss;
      dom.print(ss, "  ");
      xml = ss.str();
    }
    STRATUS_TRY(addRunning(**node, xml, source));
  }
  // Pools, with their volumes inside as libvirt's node files have them.
  for (auto pool : root.children("pool")) {
    pugi::xml_document copy;
    auto p = copy.append_copy(pool);
    std::vector<std::string> volumes;
    for (auto v = p.child("volume"); v; v = p.child("volume")) {
      std::ostringstream ss;
      v.print(ss, "  ");
      volumes.push_back(ss.str());
      p.remove_child(v);
    }
    std::ostringstream ss;
    p.print(ss, "  ");
    auto defined = (*node)->definePool(ss.str(), path);
    if (!defined) return std::move(defined).error();
    STRATUS_TRY((*node)->startPool(defined->pool.name, {}));
    for (const auto& v : volumes) {
      auto made = (*node)->createVolume(defined->pool.name, v, path, {});
      if (!made) return std::move(made).error();
    }
  }
  return std::unique_ptr<NodeService>(std::move(node).value());
}

}  // namespace

Result<std::unique_ptr<NodeService>> openTestNode(const std::string& uri) {
  constexpr std::string_view kScheme = "test://";
  if (uri.rfind(kScheme, 0) != 0)
    return Error(ErrorCode::InvalidArgument, "not a test driver URI: " + uri);
  std::string path = uri.substr(kScheme.size());
  if (path == "/default" || path == "/default/") return openDefault();
  if (path.empty() || path[0] != '/')
    return Error(ErrorCode::InvalidArgument, "test driver URI needs an absolute path: " + uri);
  return openFile(uri, path);
}

}  // namespace stratus::daemon
