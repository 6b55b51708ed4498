#include "node/cluster_event.h"

namespace shoal::node {

const char* to_string(EventType t) {
  switch (t) {
    case EventType::kMember: return "member";
    case EventType::kNode: return "node";
    case EventType::kService: return "service";
    case EventType::kTask: return "task";
  }
  return "?";
}

ClusterEvent make_event(EventType type, std::string action, std::string name) {
  ClusterEvent e;
  e.type = type;
  e.action = std::move(action);
  e.name = std::move(name);
  return e;
}

std::optional<EventType> parse_event_type(std::string_view text) {
  for (EventType t : {EventType::kMember, EventType::kNode, EventType::kService, EventType::kTask})
    if (text == to_string(t)) return t;
  return std::nullopt;
}

}  // namespace shoal::node
