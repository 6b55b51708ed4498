#include "loadbalancer/lb_types.h"

namespace shoal {

const char* protocol_name(Protocol p) {
  switch (p) {
    case Protocol::kAny: return "any";
    case Protocol::kUdp: return "udp";
    case Protocol::kTcp: break;
  }
  return "tcp";
}

std::string to_string(const ServiceKey& key) {
  return to_string(key.vip) + ":" + (key.port == 0 ? std::string("*") : std::to_string(key.port)) + "/" +
         protocol_name(key.protocol);
}

std::string to_string(const Backend& backend) {
  return to_string(backend.ip) + ":" + (backend.port == 0 ? std::string("*") : std::to_string(backend.port));
}

}  // namespace shoal
