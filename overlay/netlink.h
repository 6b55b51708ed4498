// The kernel seam of the overlay: the few rtnetlink operations shoal needs, as an interface so
// the reconciler is tested against a fake and production plugs in MnlNetlink (libmnl). Every
// operation is idempotent where the kernel allows it (replace for neighbours and routes;
// deleting something absent succeeds) so a reconcile can be retried after a partial failure.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "overlay/ipv4.h"

namespace shoal {

struct MacAddr {
  std::array<std::uint8_t, 6> bytes{};
  auto operator<=>(const MacAddr&) const = default;
  bool operator==(const MacAddr&) const = default;
};
std::string to_string(const MacAddr& mac);

struct VxlanSpec {
  std::string name;               // interface name, <= 15 bytes
  std::uint32_t vni = 0;          // 24-bit VXLAN network id
  Ipv4 local;                     // this node's underlay address (source of encapsulated packets)
  std::uint16_t dstport = 4789;   // UDP port, host order
  std::uint32_t mtu = 1450;
  std::optional<MacAddr> mac;     // fixed MAC so peers can compute it; kernel picks if unset
};

struct Route {
  Ipv4Prefix dst;                 // length 0 = default route
  std::optional<Ipv4> via;        // gateway; none = directly connected on dev
  std::string dev;
  bool onlink = false;            // gateway reachable on dev without a covering prefix (VXLAN)
  auto operator<=>(const Route&) const = default;
  bool operator==(const Route&) const = default;
};

class Netlink {
 public:
  virtual ~Netlink() = default;

  // Links. Create fails if the name exists (the caller decides whether to delete first).
  virtual Status create_vxlan(const VxlanSpec& spec) = 0;
  virtual Status create_bridge(std::string_view name, std::uint32_t mtu) = 0;
  virtual Status create_veth(std::string_view name, std::string_view peer_name, std::uint32_t mtu) = 0;
  virtual Status delete_link(std::string_view name) = 0;  // absent is success
  virtual Status set_master(std::string_view name, std::string_view master) = 0;
  virtual Status set_up(std::string_view name) = 0;
  virtual Status rename_link(std::string_view name, std::string_view new_name) = 0;
  // Moves the link into the network namespace open as `netns_fd` (e.g. /run/netns/X or
  // /proc/PID/ns/net); the link disappears from this namespace.
  virtual Status move_to_netns(std::string_view name, int netns_fd) = 0;

  // Addresses, routes, bridge FDB and neighbour (ARP) entries.
  virtual Status add_address(std::string_view dev, Ipv4 addr, std::uint8_t prefix_length) = 0;
  virtual Status delete_address(std::string_view dev, Ipv4 addr, std::uint8_t prefix_length) = 0;  // absent is success
  virtual Status replace_route(const Route& route) = 0;
  virtual Status delete_route(const Route& route) = 0;
  // `bridge fdb append MAC dev DEV dst DST`: another remote VTEP for MAC (00:..:00 = flood list).
  virtual Status append_fdb(std::string_view dev, const MacAddr& mac, Ipv4 dst) = 0;
  virtual Status delete_fdb(std::string_view dev, const MacAddr& mac, Ipv4 dst) = 0;
  virtual Status replace_neighbour(std::string_view dev, Ipv4 ip, const MacAddr& mac) = 0;
  virtual Status delete_neighbour(std::string_view dev, Ipv4 ip) = 0;
};

}  // namespace shoal
