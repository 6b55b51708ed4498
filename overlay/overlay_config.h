// Every knob of the overlay, with its default and the reason for it.
#pragma once

#include <cstdint>
#include <string>

#include "overlay/subnet_allocator.h"

namespace shoal {

struct OverlayConfig {
  SubnetPoolConfig subnets;
  // VXLAN network id. Any 24-bit value; 4242 is arbitrary but fixed so all nodes agree without
  // coordination. Change it to run two clusters on one underlay.
  std::uint32_t vni = 4242;
  // IANA's VXLAN port (RFC 7348). Linux defaults to 8472 for historic reasons; we set it
  // explicitly so firewalls can be written against the standard one.
  std::uint16_t vxlan_port = 4789;
  // 1500-byte underlay minus 50 bytes of VXLAN/UDP/IP/Ethernet encapsulation (RFC 7348 s.4);
  // applied to the VXLAN device, the bridge and every task veth so nothing fragments.
  std::uint32_t mtu = 1450;
  // Link names (<= 15 bytes, kernel limit). Prefixed so an operator sees who owns them.
  std::string vxlan_name = "shoal-vx";
  std::string bridge_name = "shoal-br";
};

}  // namespace shoal
