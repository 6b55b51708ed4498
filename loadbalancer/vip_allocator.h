// A virtual IP per service from the VIP pool, deterministic and stable: the same scheme as node
// subnets (overlay/slot_allocator.h). Services are ordered by creation (the HLC of the create,
// ties by name); a service's published VIP (stored with the service, shown by `service
// inspect`) is its claim, so creating or removing other services never moves it. The pool's
// first and last addresses (network, broadcast) are never handed out.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "overlay/ipv4.h"

namespace shoal {

struct VipClaimant {
  std::string service;
  std::uint64_t created_order = 0;
  std::optional<Ipv4> claimed;
};

struct VipAssignment {
  std::map<std::string, Ipv4> vip_of;
  std::vector<std::string> unplaced;  // pool exhausted
};

// Errors only for a pool too small to hold any VIP (/31, /32).
Result<VipAssignment> assign_vips(const Ipv4Prefix& pool, const std::vector<VipClaimant>& services);

}  // namespace shoal
