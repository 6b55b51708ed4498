// One thing that happened in the cluster, as this node saw it: what `shoal events` and the
// Docker API's /events stream show. Events are this node's view, not a replicated record: two
// nodes on either side of a partition see different member events, and a node that was down
// sees the services created meanwhile as created when it merged them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace shoal::node {

enum class EventType : std::uint8_t {
  kMember,   // SWIM: joined, suspect, failed, left, alive (refuted), updated, clock offset
  kNode,     // a node's availability (active, pause, drain)
  kService,  // created, updated, removed
  kTask,     // a slot's task entered a state (its name is the state: running, failed, ...)
};
const char* to_string(EventType t);  // "member", "node", "service", "task"
std::optional<EventType> parse_event_type(std::string_view text);

struct ClusterEvent {
  std::uint64_t seq = 0;      // this node's order, from 1; the resume point of a follower
  std::uint64_t time_ms = 0;  // this node's wall clock when it saw the change
  EventType type = EventType::kService;
  std::string action;         // "created", "failed", "running", ...
  std::string name;           // member or node name, service name, task "web.2"
  std::map<std::string, std::string> attributes;  // e.g. node=n2, version=3, error=...

  bool operator==(const ClusterEvent&) const = default;
};

// An unstamped event (seq and time come from the event log).
ClusterEvent make_event(EventType type, std::string action, std::string name);

}  // namespace shoal::node
