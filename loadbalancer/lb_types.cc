#include "loadbalancer/lb_types.h"

namespace shoal {

const char* protocol_name(Protocol p) { return p == Protocol::kUdp ? "udp" : "tcp"; }

std::string to_string(const ServiceKey& key) {
  return to_string(key.vip) + ":" + std::to_string(key.port) + "/" + protocol_name(key.protocol);
}

std::string to_string(const Backend& backend) {
  return to_string(backend.ip) + ":" + std::to_string(backend.port);
}

}  // namespace shoal
