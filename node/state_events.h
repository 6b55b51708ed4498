// The events a change of the replicated state makes, found without copying the state: before a
// delta is merged, a StateProbe notes the current values of the keys the delta touches (services,
// node availabilities, task statuses); after the merge, it compares them with the new values.
// Cost O(size of the delta), so a node merging small deltas into 1,000 services pays nothing for
// the 999 others. Member events come from SWIM's own events.
//
// Events carry no seq and no time: the event log (node/event_log.h) stamps them.
#pragma once

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "crdt/desired_state.h"
#include "membership/swim.h"
#include "node/cluster_event.h"

namespace shoal::node {

class StateProbe {
 public:
  // Notes the values in `state` of every key `delta` touches; call before merging it.
  StateProbe(const crdt::DesiredState& state, const crdt::DesiredState& delta);
  // What changed for those keys between the noted values and `state` (after the merge): services
  // created, updated (a new version), removed; node availability set; task states entered.
  std::vector<ClusterEvent> events(const crdt::DesiredState& state) const;

 private:
  std::map<std::string, std::optional<crdt::Service>> services_;
  std::map<NodeId, Availability> availability_;
  std::map<std::pair<NodeId, crdt::TaskKey>, std::optional<crdt::TaskStatus>> tasks_;
};

// The member event for a SWIM event (kUpdated included: new address or labels).
ClusterEvent member_event(const membership::Event& e);

}  // namespace shoal::node
