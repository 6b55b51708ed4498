#include "loadbalancer/lb_types.h"

#include <algorithm>

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

BackendSet::BackendSet(std::initializer_list<Backend> backends) {
  for (const auto& b : backends) insert(b);
}

bool BackendSet::insert(const Backend& b) {
  auto it = std::lower_bound(items_.begin(), items_.end(), b);
  if (it != items_.end() && *it == b) return false;
  items_.insert(it, b);
  return true;
}

bool BackendSet::erase(const Backend& b) {
  auto it = std::lower_bound(items_.begin(), items_.end(), b);
  if (it == items_.end() || !(*it == b)) return false;
  items_.erase(it);
  return true;
}

bool BackendSet::contains(const Backend& b) const { return std::binary_search(items_.begin(), items_.end(), b); }

}  // namespace shoal
