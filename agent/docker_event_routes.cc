// GET /events: this node's event log (node/event_log.h) in Docker's event shape, for `docker
// events --since ... --until ...` and the SDKs' events(). Service events are Docker's service
// create/update/remove (with the service's ID as /services shows it); node availability and
// member changes are node update events (state.new ready|down, availability.new). Task events
// have no Docker counterpart here (Docker's are local container events) and are not sent.
//
// Without `until` the answer streams, as dockerd's: what is in the window so far, then each new
// event as this node records it (Agent::wait_for_event), until the client goes.
#include <charconv>

#include "agent/agent_impl.h"
#include "agent/docker_api_routes.h"

namespace shoal {
namespace docker_api {

namespace {

struct DockerEvent {
  std::string type, action, id;
  std::map<std::string, std::string> attributes;
};

// The member's status after a member event, named by its action.
membership::MemberStatus member_status(const std::string& action) {
  if (action == "failed") return membership::MemberStatus::kFailed;
  if (action == "left") return membership::MemberStatus::kLeft;
  if (action == "suspect") return membership::MemberStatus::kSuspect;
  return membership::MemberStatus::kAlive;
}

std::uint64_t created_ms(const node::ClusterEvent& e) {
  auto it = e.attributes.find("created_ms");
  std::uint64_t ms = 0;
  if (it != e.attributes.end()) std::from_chars(it->second.data(), it->second.data() + it->second.size(), ms);
  return ms;
}

// nullopt: an event Docker has no word for.
std::optional<DockerEvent> docker_event(const node::ClusterEvent& e) {
  DockerEvent d;
  switch (e.type) {
    case node::EventType::kService: {
      d.type = "service";
      d.action = e.action == "created" ? "create" : e.action == "removed" ? "remove" : "update";
      d.id = service_id(e.name, created_ms(e));
      d.attributes["name"] = e.name;
      // Rolling-update phases as dockerd's UpdateStatus.State (monitoring has no such state).
      if (e.action.rfind("update_", 0) == 0) {
        static const std::map<std::string, std::string> kStates = {{"update_started", "updating"},
            {"update_paused", "paused"}, {"update_rolling_back", "rollback_started"}, {"update_completed", "completed"}};
        auto state = kStates.find(e.action);
        if (state == kStates.end()) return std::nullopt;
        d.attributes["updatestate.new"] = state->second;
      }
      return d;
    }
    case node::EventType::kNode:
      d.type = "node", d.action = "update", d.id = node_id(e.name);
      d.attributes = {{"name", e.name}, {"availability.new", e.attributes.count("availability") ? e.attributes.at("availability") : ""}};
      return d;
    case node::EventType::kMember:
      if (e.action == "clock_offset" || e.action == "clock_offset_ok" || e.action == "updated" ||
          e.action.starts_with("partition_"))
        return std::nullopt;
      d.type = "node", d.action = "update", d.id = node_id(e.name);
      d.attributes = {{"name", e.name}, {"state.new", docker_node_state(member_status(e.action))}};
      return d;
    case node::EventType::kTask:
      return std::nullopt;
  }
  return std::nullopt;
}

bool accepted(const DockerFilters& f, const DockerEvent& d) {
  for (const auto& [key, values] : f) {
    if (values.empty()) continue;
    if (key == "type" && !filter_accepts(f, key, d.type)) return false;
    if (key == "event" && !filter_accepts(f, key, d.action)) return false;
    if (key == "scope" && !filter_accepts(f, key, "swarm")) return false;
    if ((key == "service" || key == "node") &&
        (d.type != key || (!filter_accepts(f, key, d.id, true) && !filter_accepts(f, key, d.attributes.at("name")))))
      return false;
    // Objects shoal has no events of (containers, images, networks, ...): nothing matches.
    if (key != "type" && key != "event" && key != "scope" && key != "service" && key != "node") return false;
  }
  return true;
}

// An idle stream checks this often that its client is still there.
constexpr std::uint64_t kStreamIdleCheckMs = 5'000;

// The events of `q` that Docker has words for and `filters` accept, as Docker's JSON lines.
std::string docker_events_body(Agent& agent, const node::EventQuery& q, const DockerFilters& filters) {
  std::string body;
  for (const auto& e : agent.events().query(q)) {
    auto d = docker_event(e);
    if (!d || !accepted(filters, *d)) continue;
    json attrs = json::object();
    for (const auto& [k, v] : d->attributes) attrs[k] = v;
    json m = {{"Type", d->type}, {"Action", d->action}, {"Actor", {{"ID", d->id}, {"Attributes", attrs}}},
              {"scope", "swarm"}, {"time", e.time_ms / 1000}, {"timeNano", e.time_ms * 1'000'000}};
    body += m.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  }
  return body;
}

}  // namespace

DockerResponse route_events(Agent& agent, const DockerRequest& req, const std::vector<std::string>& path) {
  if (path.size() != 1) return not_found_route(req);
  if (req.method != "GET") return method_not_allowed();
  const auto& query = req.target.query;
  auto filters = parse_docker_filters(query.count("filters") ? query.at("filters") : "",
                                      {"config", "container", "daemon", "event", "image", "label", "network",
                                       "node", "plugin", "scope", "secret", "service", "type", "volume"});
  if (!filters) return error(400, filters.message());
  node::EventQuery q;
  const std::uint64_t now_ms = agent.now().wall_ms;
  auto bound = [&](const char* key) {
    auto it = query.find(key);
    return it == query.end() || it->second.empty() ? std::nullopt : std::optional(it->second);
  };
  if (auto s = node::set_event_window(q, bound("since"), bound("until"), now_ms); !s) return error(400, s.message());
  const std::uint64_t last = agent.events().last_seq();
  DockerResponse r{200, docker_events_body(agent, q, *filters), "application/json", /*chunked=*/true};
  if (q.until_ms) return r;
  // Follow: each wake sends what came after the last event looked at (or nothing: the session
  // asks again, which is how it sees a client gone).
  auto cursor = std::make_shared<std::uint64_t>(last);
  r.stream = std::make_shared<DockerStream>();
  r.stream->next = [&agent, q, filters = *filters, cursor](DockerStream::Deliver deliver) {
    auto emit = [&agent, q, filters, cursor, deliver] {
      node::EventQuery after = q;
      after.after_seq = *cursor;
      *cursor = agent.events().last_seq();
      deliver(docker_events_body(agent, after, filters), false);
    };
    if (agent.events().last_seq() > *cursor) return emit();
    agent.wait_for_event(*cursor, agent.now().mono_ms + kStreamIdleCheckMs, emit);
  };
  return r;
}

}  // namespace docker_api
}  // namespace shoal
