// Node identity. A node is named by the operator (`--name`), unique in the cluster; the name is
// the id everywhere (membership, CRDT writer id, placement). `hash` is a stable 64-bit xxh3 of
// the name, used where a number is cheaper (ordering ties, hashing rings); it never replaces
// the name in comparisons, so a hash collision cannot merge two nodes.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace shoal {

// Names travel in every gossip message; a short bound keeps packets small.
inline constexpr std::size_t kMaxNodeNameBytes = 64;

struct NodeId {
  std::string name;

  auto operator<=>(const NodeId&) const = default;
  bool operator==(const NodeId&) const = default;
};

// Stable across processes and versions (xxh3_64, seed 0).
std::uint64_t stable_hash(std::string_view bytes);

// Names: 1..64 bytes of [A-Za-z0-9._-], so they are safe in logs, file names and DNS labels.
Result<NodeId> parse_node_id(std::string_view name);

}  // namespace shoal
