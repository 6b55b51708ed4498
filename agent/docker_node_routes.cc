// /nodes: list, inspect, update (availability). Every shoal member is a node and a manager.
#include "agent/agent_impl.h"
#include "agent/docker_api_routes.h"

namespace shoal {
namespace docker_api {

namespace {

// The availability register's timestamp is the node's version: only an availability write
// changes what a client may update. Never written: index 0.
std::uint64_t node_version(const crdt::DesiredState& state, const NodeId& id) {
  auto it = state.availability.find(id);
  return it == state.availability.end() ? 0 : version_index(it->second.at);
}

json node_json(Agent& agent, const membership::Member& m) {
  const auto& state = agent.state();
  auto it = state.availability.find(m.id);
  const std::uint64_t updated = it == state.availability.end() ? m.meta.first_start_ms : it->second.at.wall_ms;
  json labels = json::object();
  for (const auto& [k, v] : m.meta.labels) labels[k] = v;
  const std::string addr = m.meta.addresses.empty() ? "" : m.meta.addresses[0];
  const bool up = std::string(docker_node_state(m.status)) == "ready";
  return {{"ID", node_id(m.id.name)},
          {"Version", {{"Index", node_version(state, m.id)}}},
          {"CreatedAt", rfc3339(m.meta.first_start_ms)},
          {"UpdatedAt", rfc3339(updated)},
          {"Spec", {{"Labels", labels}, {"Role", "manager"}, {"Availability", to_string(state.availability_of(m.id))}}},
          {"Description", {{"Hostname", m.id.name},
                           {"Platform", {{"Architecture", "x86_64"}, {"OS", "linux"}}},
                           {"Resources", {{"NanoCPUs", m.meta.cpu_millis * 1'000'000}, {"MemoryBytes", m.meta.memory_bytes}}},
                           {"Engine", {{"EngineVersion", m.meta.version}, {"Labels", json::object()}}},
                           {"TLSInfo", json::object()}}},
          {"Status", {{"State", docker_node_state(m.status)}, {"Message", membership::status_name(m.status)}, {"Addr", addr}}},
          {"ManagerStatus", {{"Leader", false}, {"Reachability", up ? "reachable" : "unreachable"}, {"Addr", m.addr}}}};
}

// The member a reference names (ID, name or unique ID prefix), or the error response.
struct NodeLookup {
  std::optional<membership::Member> member;
  DockerResponse error;
};
NodeLookup find_node(Agent& agent, const std::string& ref) {
  auto members = agent.swim().members();
  std::vector<DockerIdCandidate> candidates;
  for (const auto& m : members) candidates.push_back({node_id(m.id.name), m.id.name});
  auto found = find_by_id_or_name(candidates, ref);
  if (found.outcome == DockerIdLookup::kAmbiguous) return {std::nullopt, error(400, "node " + ref + " is ambiguous (more than one node has this ID prefix)")};
  if (found.outcome == DockerIdLookup::kNotFound) return {std::nullopt, error(404, "node " + ref + " not found")};
  return {members[found.index], {}};
}

DockerResponse list(Agent& agent, const DockerRequest& req) {
  auto filters = parse_docker_filters(req.target.query.count("filters") ? req.target.query.at("filters") : "",
                                      {"id", "name", "role", "membership", "node.label", "label"});
  if (!filters) return error(400, filters.message());
  json out = json::array();
  for (const auto& m : agent.swim().members()) {
    if (!filter_accepts(*filters, "id", node_id(m.id.name), true) || !filter_accepts(*filters, "name", m.id.name) ||
        !filter_accepts(*filters, "role", "manager") || !filter_accepts(*filters, "membership", "accepted"))
      continue;
    bool labels_ok = true;
    for (const char* key : {"node.label", "label"})
      if (auto it = filters->find(key); it != filters->end())
        for (const auto& want : it->second) {
          auto eq = want.find('=');
          auto l = m.meta.labels.find(want.substr(0, eq));
          labels_ok &= l != m.meta.labels.end() && (eq == std::string::npos || l->second == want.substr(eq + 1));
        }
    if (labels_ok) out.push_back(node_json(agent, m));
  }
  return reply(200, out);
}

// NodeSpec: Availability is shoal's (any node may set any node's); Role is always manager;
// Labels come from `shoal agent --label` and cannot change here. Other fields must be zero.
DockerResponse update(Agent& agent, const DockerRequest& req, const membership::Member& m) {
  auto sent = version_param(req.target);
  if (!sent) return error(400, sent.message());
  auto body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return error(400, "a NodeSpec must be a JSON object");
  std::optional<Availability> avail;
  std::map<std::string, std::string> labels;
  for (const auto& [key, v] : body.items()) {
    if (v.is_null()) continue;
    if (key == "Availability" && v.is_string()) {
      const std::string a = v.get<std::string>();
      if (a == "active") avail = Availability::kActive;
      else if (a == "pause") avail = Availability::kPause;
      else if (a == "drain") avail = Availability::kDrain;
      else return error(400, "NodeSpec field Availability: '" + a + "' is not active, pause or drain");
    } else if (key == "Role" && v.is_string()) {
      if (v.get<std::string>() != "manager" && !v.get<std::string>().empty())
        return error(400, "NodeSpec field Role: every shoal node is a manager (any node accepts writes)");
    } else if (key == "Labels" && v.is_object()) {
      for (const auto& [k, lv] : v.items()) labels[k] = lv.is_string() ? lv.get<std::string>() : lv.dump();
      if (labels != m.meta.labels)
        return error(400, "NodeSpec field Labels: shoal node labels are set by `shoal agent --label k=v` on that node "
                          "and cannot be changed through the API");
    } else if (key == "Name" && v.is_string()) {
      if (!v.get<std::string>().empty() && v.get<std::string>() != m.id.name)
        return error(400, "NodeSpec field Name: a shoal node's name is its `shoal agent --name`");
    } else {
      return error(400, "NodeSpec field " + key + " is not supported by shoal (see docs/docker-api.md)");
    }
  }
  const std::uint64_t current = node_version(agent.state(), m.id);
  if (*sent != current) return out_of_sequence(*sent, current);
  if (!avail || *avail == agent.state().availability_of(m.id)) return empty(200);
  auto s = agent.commit_write([&](crdt::Replica& r) -> Result<crdt::DesiredState> {
    return r.set_availability(agent.now().wall_ms, m.id, *avail);
  });
  if (!s) return error(500, s.message());
  return empty(200);
}

}  // namespace

DockerResponse route_nodes(Agent& agent, const DockerRequest& req, const std::vector<std::string>& path) {
  if (path.size() == 1) return req.method == "GET" ? list(agent, req) : method_not_allowed();
  auto node = find_node(agent, path[1]);
  if (path.size() == 2) {
    if (req.method == "DELETE")
      return error(400, "shoal nodes are removed by stopping their agent (it leaves the cluster); dead nodes are "
                        "forgotten by the membership protocol");
    if (req.method != "GET") return method_not_allowed();
    if (!node.member) return node.error;
    return reply(200, node_json(agent, *node.member));
  }
  if (path.size() == 3 && path[2] == "update") {
    if (req.method != "POST") return method_not_allowed();
    if (!node.member) return node.error;
    return update(agent, req, *node.member);
  }
  return not_found_route(req);
}

}  // namespace docker_api
}  // namespace shoal
