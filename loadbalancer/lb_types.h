// The load balancer's data: a virtual service (VIP, protocol, port) and its backends
// (task address, target port), and the four changes a kernel backend applies.
#pragma once

#include <compare>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "overlay/ipv4.h"

namespace shoal {

// Values are IP protocol numbers; kAny (0) only in a catch-all key: every protocol.
enum class Protocol : std::uint8_t { kAny = 0, kTcp = 6, kUdp = 17 };
const char* protocol_name(Protocol p);

// The catch-all key is {VIP, kAny, 0}: every protocol and port of the VIP not named by a key of
// its own, forwarded to backends of port 0, which keep the packet's destination port
// (docs/loadbalancer.md). One key per VIP, not one per protocol: the kernel validates every
// verdict-map element on each change, so elements are the cost (bench/lb).
struct ServiceKey {
  Ipv4 vip;
  Protocol protocol = Protocol::kTcp;
  std::uint16_t port = 0;
  auto operator<=>(const ServiceKey&) const = default;
  bool operator==(const ServiceKey&) const = default;
  bool catch_all() const { return port == 0; }
};
std::string to_string(const ServiceKey& key);  // "10.96.0.5:80/tcp", catch-all "10.96.0.5:*/any"

struct Backend {
  Ipv4 ip;
  std::uint16_t port = 0;
  auto operator<=>(const Backend&) const = default;
  bool operator==(const Backend&) const = default;
};
std::string to_string(const Backend& backend);  // "10.200.1.5:8080", same port "10.200.1.5:*"

// The backends of one virtual service: sorted, without duplicates, in one vector. Flat because
// every change diffs every service's set (plan_lb): a few contiguous backends compare in
// nanoseconds, a tree of them in cache misses (bench/lb: the full-state diff at 20,000 services
// took 9.8 ms with std::set).
class BackendSet {
 public:
  BackendSet() = default;
  BackendSet(std::initializer_list<Backend> backends);

  bool insert(const Backend& b);  // false if it was there
  bool erase(const Backend& b);   // false if it was not
  bool contains(const Backend& b) const;
  std::size_t count(const Backend& b) const { return contains(b) ? 1 : 0; }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::vector<Backend>::const_iterator begin() const { return items_.begin(); }
  std::vector<Backend>::const_iterator end() const { return items_.end(); }
  bool operator==(const BackendSet&) const = default;

 private:
  std::vector<Backend> items_;
};

// Desired (or applied) state: every virtual service with its backend set. Ordered containers,
// so iteration order, and hence the order of kernel changes, is deterministic.
using LbState = std::map<ServiceKey, BackendSet>;

struct AddService { ServiceKey key; bool operator==(const AddService&) const = default; };
struct DelService { ServiceKey key; bool operator==(const DelService&) const = default; };
struct AddBackend { ServiceKey key; Backend backend; bool operator==(const AddBackend&) const = default; };
struct DelBackend { ServiceKey key; Backend backend; bool operator==(const DelBackend&) const = default; };
using LbOp = std::variant<AddService, DelService, AddBackend, DelBackend>;

}  // namespace shoal
