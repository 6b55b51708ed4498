// "Partition suspected" and "partition healed" as one node sees them. The view is partial
// while a member this node knows (and that has not left) is suspect or failed; it is whole
// again once each such member is alive again or has left. From inside, a partition and the
// crash of the missing nodes look the same: the event names the unreachable members and how
// many this node still reaches, and leaves the diagnosis to the operator; `healed` says how
// long the view was partial and who came back. Member events (joined, suspect, failed, ...)
// still say what happened to each member; these two mark where a split began and ended. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "membership/swim.h"
#include "node/cluster_event.h"

namespace shoal::node {

class PartitionWatch {
 public:
  explicit PartitionWatch(std::string self) : self_(std::move(self)) {}

  // The event a member event causes, if it makes the view partial or whole again.
  std::optional<ClusterEvent> on_member_event(const membership::Event& e, std::uint64_t now_mono_ms);

  bool partial() const { return !unreachable_.empty(); }

 private:
  ClusterEvent event(std::string action) const;

  std::string self_;
  std::set<std::string> reachable_;    // others, alive (or not yet suspected)
  std::set<std::string> unreachable_;  // others, suspect or failed
  std::set<std::string> came_back_;    // of this partial episode
  std::set<std::string> gone_;         // left during this partial episode
  std::uint64_t partial_since_ms_ = 0;
};

}  // namespace shoal::node
