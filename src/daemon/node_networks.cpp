// Node: the virtual network verbs, served by the node's NetworkRegistry.
#include "daemon/node_impl.h"

namespace stratus::daemon {

Result<std::vector<NetworkSummary>> Node::listNetworks() { return impl_->networks->list(); }
Result<NetworkSummary> Node::lookupNetwork(const std::string& key) { return impl_->networks->lookup(key); }
Result<NetworkDefineResult> Node::defineNetwork(const std::string& xml, const std::string& sourceName) {
  return impl_->networks->define(xml, sourceName);
}
Result<NetworkDefineResult> Node::createNetwork(const std::string& xml, const std::string& sourceName) {
  return impl_->networks->create(xml, sourceName);
}
Status Node::undefineNetwork(const std::string& key) { return impl_->networks->undefine(key); }
Status Node::startNetwork(const std::string& key) { return impl_->networks->start(key); }
Status Node::destroyNetwork(const std::string& key) { return impl_->networks->destroy(key); }
Result<std::string> Node::networkXml(const std::string& key, const NetworkXmlOptions& opts) {
  return impl_->networks->xml(key, opts);
}
Status Node::setNetworkAutostart(const std::string& key, bool enabled) {
  return impl_->networks->setAutostart(key, enabled);
}
Status Node::updateNetwork(const std::string& key, const NetworkUpdate& update, const ModifyScope& scope) {
  return impl_->networks->update(key, update, scope);
}
Result<std::vector<DhcpLease>> Node::networkDhcpLeases(const std::string& key, const std::string& mac) {
  return impl_->networks->leases(key, mac);
}
Result<std::vector<NetworkPort>> Node::listNetworkPorts(const std::string& key) {
  return impl_->networks->ports(key);
}

}  // namespace stratus::daemon
