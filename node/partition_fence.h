// Each service's `--on-partition` policy, applied to placement's assignment (issue 14). Placement
// is blind to partitions: a node that is unreachable is simply not a node, so its slots move to
// the nodes that remain, on every side of a split. That is right for stateless services
// (kDuplicate, the default: each side runs the full count; after the heal placement keeps, for
// each slot, the copy its ring prefers and the others stop). For the other two policies this
// removes slots from the assignment, with the reason `service ps` shows:
//
// kPinned: a slot whose task runs on a node that is now unreachable (failed, not left) stays
//   with that node: "waiting: pinned to n3, which is unreachable". It moves only when the node
//   leaves, is drained, or is forgotten (dead-member retention, 24 h).
//
// kMajority: lease-style self-fencing, no quorum service. The service's node set is the one the
//   cluster last agreed on (Service::agreed_nodes, recorded by record_agreed_nodes below; before
//   that, the members this node knows). A node sees a majority when strictly more than half of
//   that set is alive in its view (itself included; a suspect member does not count, so a node
//   cut off notices as early as its own probes can tell).
//   - On a minority side, no slot is started, and a task already running keeps running for
//     `isolation_timeout` after the node lost the majority (its lease), then stops:
//     "waiting: minority side, 2 of 5 nodes seen".
//   - On the majority side, a slot whose task ran on a node now failed is re-placed only once
//     that node has been failed, while this node saw the majority, for isolation_timeout +
//     margin (NodeConfig::fence_margin_ms). (A node that just regained the majority holds such
//     slots that long from then: their runners were on the other side, which never fenced.)
//   - A slot that moves (a node came back and takes its arc home, a drain) starts on its new
//     node only once its task on the old node, which this node reaches, has stopped: "waiting:
//     the task on n2 stops first". Placement alone starts the new copy at once and stops the old
//     one when the old node hears of it.
//   - After a heal, a node starts no slot until it has synced once with a peer: until then its
//     state may not hold what the other side ran meanwhile.
//   Why that is enough: the cut-off node stops seeing the majority within its own detection
//   time of the split (at most one probe round, the margin's first part), then stops its task
//   within isolation_timeout + the stop grace; the majority declares it failed no earlier than
//   the split. So with margin >= one probe round + the stop grace, the old copy is gone before
//   the new one starts. What that assumes, as every lease does: both monotonic clocks run at
//   about the same rate, and neither process is paused (a stopped VM, a swapping host) for
//   longer than the margin's slack between noticing and acting; a node whose own probing is
//   slowed by Lifeguard's health multiplier notices later than one probe round. A node that
//   restarts on the minority side reads the agreed set from its state file, so it does not
//   mistake its side for the whole cluster.
//
// Pure: input = members, desired state, time; output = the assignment and the next deadline.
// The only state is when this node lost each service's majority (per node, by design: a lease
// is the node's own clock).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crdt/desired_state.h"
#include "membership/swim.h"
#include "placement/assignment.h"

namespace shoal::node {

// The nodes a kMajority service counts: the agreed set, or the known members that have not left.
std::vector<std::string> majority_set(const crdt::Service& svc, const std::vector<membership::Member>& members,
                                      const std::string& self);
// How many of `set` this node sees alive (itself always).
std::size_t seen_alive(const std::vector<std::string>& set, const std::vector<membership::Member>& members,
                       const std::string& self);

class PartitionFence {
 public:
  PartitionFence(std::string self, std::uint64_t margin_ms) : self_(std::move(self)), margin_ms_(margin_ms) {}

  // Removes the slots the services' policies hold back from `a`, each with its reason.
  // `catching_up`: this node's view became whole again and it has not synced since, so its
  // state may not yet hold what the other side ran meanwhile.
  void apply(std::uint64_t now_mono_ms, const std::vector<membership::Member>& members,
             const crdt::DesiredState& state, placement::Assignment& a, bool catching_up = false);
  // When a lease runs out or a held slot may move: call apply again then (0 = nothing due).
  std::uint64_t next_deadline_ms() const { return next_deadline_ms_; }

 private:
  void apply_majority(std::uint64_t now, const std::vector<membership::Member>& members,
                      const crdt::DesiredState& state, const crdt::Service& svc, placement::Assignment& a,
                      bool catching_up);
  void apply_pinned(const std::vector<membership::Member>& members, const crdt::DesiredState& state,
                    const crdt::Service& svc, placement::Assignment& a);
  void due(std::uint64_t at_ms);

  std::string self_;
  std::uint64_t margin_ms_;
  std::map<std::string, std::uint64_t> minority_since_ms_;  // service -> when this node lost its majority
  std::map<std::string, std::uint64_t> majority_since_ms_;  // service -> since when it has seen one
  std::uint64_t next_deadline_ms_ = 0;
};

// The set a whole, settled view agrees on (every known member alive, none left), if this node
// is the one to record it (the first alive by name: one writer, not N) and the service's
// recorded set differs; else nothing.
std::optional<std::vector<std::string>> agreed_nodes_to_record(const crdt::Service& svc,
                                                                const std::vector<membership::Member>& members,
                                                                const std::string& self);

}  // namespace shoal::node
