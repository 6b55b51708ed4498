#pragma once
// The ring the placement tests build: `nodes` nodes named node-0.. with `points` points each.
#include <cstdint>
#include <string>
#include <vector>

#include "common/node_id.h"
#include "placement/hash_ring.h"

namespace shoal::placement {

inline HashRing ring_of(std::uint32_t nodes, std::uint32_t points) {
  std::vector<std::uint32_t> ids, counts;
  std::vector<std::uint64_t> hashes;
  for (std::uint32_t n = 0; n < nodes; ++n) {
    ids.push_back(n);
    hashes.push_back(stable_hash("node-" + std::to_string(n)));
    counts.push_back(points);
  }
  return HashRing::build(ids, hashes, counts);
}

}  // namespace shoal::placement
