// Event identity and "what have I seen". Every local write on a node is one event, named by a
// Dot = (writer node, per-writer counter starting at 1). A CausalContext is the set of events a
// replica has seen, kept compact as a version vector (every counter 1..n of a writer) plus a
// "cloud" of dots seen out of order beyond it. Digests carry it, so anti-entropy sends only the
// events a peer lacks, and tombstone GC knows when every live member has seen a delete.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <set>

#include "common/node_id.h"

namespace shoal::crdt {

struct Dot {
  NodeId writer;
  std::uint64_t counter = 0;  // 1-based; 0 is never issued

  auto operator<=>(const Dot&) const = default;
  bool operator==(const Dot&) const = default;
};

using VersionVector = std::map<NodeId, std::uint64_t>;

// Merge rule: set union (a join semilattice), then compaction, so equal sets compare equal.
class CausalContext {
 public:
  CausalContext() = default;
  // Builds a canonical context from wire parts (drops zero counters and covered cloud dots).
  static CausalContext from_parts(VersionVector vv, std::set<Dot> cloud);

  bool contains(const Dot& dot) const;
  void add(const Dot& dot);
  void merge(const CausalContext& other);
  // True if every event in `other` is also in this context.
  bool covers(const CausalContext& other) const;
  // Highest counter of `writer` seen, in the prefix or the cloud (0 if none).
  std::uint64_t max_counter(const NodeId& writer) const;
  bool empty() const { return vv_.empty() && cloud_.empty(); }

  const VersionVector& vv() const { return vv_; }
  const std::set<Dot>& cloud() const { return cloud_; }

  bool operator==(const CausalContext&) const = default;

 private:
  void compact();

  VersionVector vv_;     // writer -> n: events 1..n all seen
  std::set<Dot> cloud_;  // seen, counter > vv_[writer] + 1 at the time (gaps before them)
};

}  // namespace shoal::crdt
