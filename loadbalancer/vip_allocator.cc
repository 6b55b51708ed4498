#include "loadbalancer/vip_allocator.h"

#include "overlay/slot_allocator.h"

namespace shoal {

Result<VipAssignment> assign_vips(const Ipv4Prefix& pool, const std::vector<VipClaimant>& services) {
  if (pool.length > 30) return make_error("VIP pool " + to_string(pool) + " is too small; use /30 or larger");
  SlotRange range{1, static_cast<std::uint32_t>(pool.size() - 2)};  // skip network and broadcast
  std::vector<SlotClaimant> claimants;
  claimants.reserve(services.size());
  for (const auto& s : services) {
    SlotClaimant c{s.service, s.created_order, std::nullopt};
    if (s.claimed && pool.contains(*s.claimed)) c.claimed = s.claimed->value - pool.addr.value;
    claimants.push_back(std::move(c));
  }
  auto slots = allocate_slots(std::move(claimants), range, "vip");
  VipAssignment out;
  for (const auto& [name, slot] : slots.slot_of) out.vip_of.emplace(name, pool.at(slot));
  out.unplaced = std::move(slots.unplaced);
  return out;
}

}  // namespace shoal
