#include "overlay/slot_allocator.h"

#include <algorithm>

#include "common/node_id.h"
#include "common/result.h"

namespace shoal {

std::uint32_t preferred_slot(std::string_view name, SlotRange range, std::string_view domain) {
  SHOAL_ASSERT(range.count > 0);
  std::string keyed;
  keyed.reserve(domain.size() + 1 + name.size());
  keyed.append(domain).append(":").append(name);
  return range.first + static_cast<std::uint32_t>(stable_hash(keyed) % range.count);
}

SlotAllocation allocate_slots(std::vector<SlotClaimant> claimants, SlotRange range,
                              std::string_view domain) {
  std::sort(claimants.begin(), claimants.end(), [](const SlotClaimant& a, const SlotClaimant& b) {
    if (a.order_key != b.order_key) return a.order_key < b.order_key;
    if (a.name != b.name) return a.name < b.name;
    return a.claimed < b.claimed;  // duplicates: a fixed order so the outcome never depends on input order
  });
  SlotAllocation out;
  if (range.count == 0) {
    for (auto& c : claimants) out.unplaced.push_back(c.name);
    return out;
  }
  std::vector<bool> used(range.count, false);
  std::uint32_t used_count = 0;
  for (const auto& c : claimants) {
    if (out.slot_of.count(c.name) != 0) continue;  // duplicate name
    if (used_count == range.count) {
      out.unplaced.push_back(c.name);
      continue;
    }
    std::uint32_t slot;
    if (c.claimed && *c.claimed >= range.first && *c.claimed - range.first < range.count &&
        !used[*c.claimed - range.first]) {
      slot = *c.claimed;
    } else {
      std::uint32_t index = preferred_slot(c.name, range, domain) - range.first;
      while (used[index]) index = (index + 1) % range.count;  // bounded: a free slot exists
      slot = range.first + index;
    }
    used[slot - range.first] = true;
    ++used_count;
    out.slot_of.emplace(c.name, slot);
  }
  return out;
}

}  // namespace shoal
