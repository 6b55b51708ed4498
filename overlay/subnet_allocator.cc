#include "overlay/subnet_allocator.h"

#include "overlay/slot_allocator.h"

namespace shoal {

Result<SubnetAssignment> assign_subnets(const SubnetPoolConfig& config,
                                        const std::vector<SubnetMember>& members) {
  if (config.node_prefix_length < config.pool.length || config.node_prefix_length > 30)
    return make_error("overlay: node prefix /" + std::to_string(config.node_prefix_length) +
                      " must be between the pool's /" + std::to_string(config.pool.length) +
                      " and /30");
  std::uint32_t bits = config.node_prefix_length - config.pool.length;
  if (bits > 20) return make_error("overlay: pool holds more than 2^20 node subnets; use a longer pool prefix");
  SlotRange range{0, std::uint32_t{1} << bits};

  std::vector<SlotClaimant> claimants;
  claimants.reserve(members.size());
  for (const auto& m : members) {
    SlotClaimant c{m.id.name, m.join_order, std::nullopt};
    // A claim outside the pool or of the wrong size (config changed) is ignored, not trusted.
    if (m.claimed && m.claimed->length == config.node_prefix_length &&
        config.pool.contains(m.claimed->addr))
      c.claimed = (m.claimed->addr.value - config.pool.addr.value) >> (32 - config.node_prefix_length);
    claimants.push_back(std::move(c));
  }
  SlotAllocation slots = allocate_slots(std::move(claimants), range, "subnet");
  SubnetAssignment out;
  for (const auto& [name, slot] : slots.slot_of)
    out.subnet_of.emplace(NodeId{name}, nth_subprefix(config.pool, config.node_prefix_length, slot));
  for (const auto& name : slots.unplaced) out.unplaced.push_back(NodeId{name});
  return out;
}

}  // namespace shoal
