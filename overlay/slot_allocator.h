// Deterministic, stable allocation of numbered slots (a node's /24, a service's VIP) from the
// list of claimants that every node sees the same way. Pure: same claimants in any order, same
// result, on every node.
//
// The scheme (shared by overlay/subnet_allocator and loadbalancer/vip_allocator):
//  1. Claimants are processed in (order_key, name) order. order_key is a value everyone agrees
//     on and that only grows for newcomers: a node's join time (HLC), a service's creation HLC.
//  2. A claimant whose `claimed` slot (what it was given before and published, e.g. in node
//     metadata or the service record) is in range and still free keeps it.
//  3. Otherwise it takes its hash-preferred slot, xxh3(domain + name) mod usable, probing
//     linearly (wrapping) to the first free slot.
// Why it is stable: a newcomer sorts after everyone already placed, so it only takes free slots
// (join stability). A departure only frees a slot; everyone else's claim is still free, so they
// keep it (leave stability). Without claims (first boot of a cluster) step 3 alone is
// deterministic from the sorted member list. Two claimants claiming the same slot (e.g. after a
// partition heals) resolve the same way on every node: the earlier one keeps it, the later moves.
// Probing is bounded by the slot count; claimants beyond capacity are reported, not placed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shoal {

struct SlotClaimant {
  std::string name;                     // unique key (node name, service name)
  std::uint64_t order_key = 0;          // join/creation order; ties broken by name
  std::optional<std::uint32_t> claimed; // slot it held before, if any
};

struct SlotRange {
  std::uint32_t first = 0;  // first usable slot
  std::uint32_t count = 0;  // number of usable slots, first..first+count-1
};

struct SlotAllocation {
  std::map<std::string, std::uint32_t> slot_of;  // name -> slot
  std::vector<std::string> unplaced;             // over capacity, in processing order
};

// `domain` salts the hash ("subnet", "vip") so different allocations do not correlate.
// Duplicate names: the first in processing order counts, later duplicates are ignored.
SlotAllocation allocate_slots(std::vector<SlotClaimant> claimants, SlotRange range,
                              std::string_view domain);

// The slot a name prefers before probing (exposed for tests and `inspect` output).
std::uint32_t preferred_slot(std::string_view name, SlotRange range, std::string_view domain);

}  // namespace shoal
