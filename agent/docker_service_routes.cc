// /services (list, create, inspect, update, delete) and /tasks (list, inspect).
#include <algorithm>
#include <set>

#include "agent/agent_impl.h"
#include "agent/docker_api_routes.h"
#include "agent/docker_service_spec.h"
#include "agent/network_view.h"
#include "agent/task_rows.h"
#include "crdt/service_ops.h"

namespace shoal {
namespace docker_api {

namespace {

// A service's ID hashes its name and creation time: stable for its life, and a service removed
// and created again under the same name is a new object with a new ID, as in Docker.
std::string service_id_of(const crdt::Service& svc) {
  return service_id(svc.name, svc.created_ms);
}

std::uint64_t service_version(const crdt::DesiredState& state, const std::string& name) {
  const auto* reg = state.services.get(name);
  return reg ? version_index(reg->at) : 0;
}

}  // namespace

ServiceLookup find_service(Agent& agent, const std::string& ref) {
  auto all = agent.state().all_services();
  std::vector<DockerIdCandidate> candidates;
  for (const auto* s : all) candidates.push_back({service_id_of(*s), s->name});
  auto found = find_by_id_or_name(candidates, ref);
  if (found.outcome == DockerIdLookup::kAmbiguous)
    return {nullptr, error(400, "service " + ref + " is ambiguous (more than one service has this ID prefix)")};
  if (found.outcome == DockerIdLookup::kNotFound) return {nullptr, error(404, "service " + ref + " not found")};
  return {all[found.index], {}};
}

namespace {

// Is the runner alive (or suspect) in our view? A dead node's last status stays in the state.
bool runs_now(Agent& agent, const std::string& node) {
  if (node.empty()) return false;
  auto m = agent.swim().member(NodeId{node});
  return m && (m->status == membership::MemberStatus::kAlive || m->status == membership::MemberStatus::kSuspect);
}

struct TaskRows {
  placement::Assignment assignment;
  std::map<std::string, ServicePlan> plans;
};
TaskRows task_rows_input(Agent& agent) {
  TaskRows t{agent.current_assignment(), {}};
  t.plans = plan_services(t.assignment, agent.state(), agent.now().wall_ms);
  return t;
}

json service_json(Agent& agent, const crdt::Service& svc, bool with_status, const TaskRows* rows) {
  const auto& state = agent.state();
  const auto* reg = state.services.get(svc.name);
  json ports = json::array();
  for (const auto& p : svc.spec.ports)
    ports.push_back({{"Protocol", crdt::to_string(p.protocol)}, {"TargetPort", p.target},
                     {"PublishedPort", p.published}, {"PublishMode", "ingress"}});
  json spec = service_spec_to_docker(svc.name, svc.spec);
  json endpoint = {{"Spec", spec["EndpointSpec"]}, {"Ports", ports}, {"VirtualIPs", json::array()}};
  if (!svc.vip.empty()) endpoint["VirtualIPs"].push_back({{"NetworkID", ""}, {"Addr", svc.vip + "/32"}});
  json out = {{"ID", service_id_of(svc)},
              {"Version", {{"Index", service_version(state, svc.name)}}},
              {"CreatedAt", rfc3339(svc.created_ms)},
              {"UpdatedAt", rfc3339(reg ? reg->at.wall_ms : svc.created_ms)},
              {"Spec", spec},
              {"Endpoint", endpoint}};
  if (svc.previous_spec) out["PreviousSpec"] = service_spec_to_docker(svc.name, *svc.previous_spec);
  if (with_status && rows) {
    std::uint64_t running = 0, desired = 0;
    for (const PsRow& r : ps_rows(state, rows->assignment, rows->plans, svc.name)) {
      if (r.desired != "running") continue;
      ++desired;
      if ((r.state == "running" || r.state == "healthy") && runs_now(agent, r.node)) ++running;
    }
    if (svc.spec.mode == ServiceMode::kReplicated) desired = svc.spec.replicas;
    out["ServiceStatus"] = {{"RunningTasks", running}, {"DesiredTasks", desired}, {"CompletedTasks", 0}};
  }
  return out;
}

DockerResponse list_services(Agent& agent, const DockerRequest& req) {
  auto filters = parse_docker_filters(req.target.query.count("filters") ? req.target.query.at("filters") : "",
                                      {"id", "name", "label", "mode"});
  if (!filters) return error(400, filters.message());
  const bool status = query_bool(req.target, "status");
  std::optional<TaskRows> rows;
  if (status) rows = task_rows_input(agent);
  json out = json::array();
  for (const crdt::Service* svc : agent.state().all_services()) {
    if (!filter_accepts(*filters, "id", service_id_of(*svc), true) || !filter_accepts(*filters, "name", svc->name, true) ||
        !filter_accepts(*filters, "mode", to_string(svc->spec.mode)))
      continue;
    if (auto it = filters->find("label"); it != filters->end() && !it->second.empty()) continue;  // no service labels
    out.push_back(service_json(agent, *svc, status, rows ? &*rows : nullptr));
  }
  return reply(200, out);
}

// Parses a ServiceSpec body, putting in the pinned image (route_docker_request pinned it).
// `current`: the service an update changes (its image, already pinned, needs no pin).
Result<DockerServiceSpec> read_spec(const std::string& body, const ImagePinning& pins, const crdt::Service* current) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return make_error("the request body is not JSON");
  auto spec = service_spec_from_docker(j);
  if (!spec) return spec.error();
  if (!spec->image.empty() && !(current && current->spec.task.image == spec->image)) {
    auto it = pins.find(spec->image);
    if (it == pins.end()) return make_error("image " + spec->image + " was not pinned (internal)");
    spec->spec.task.image = it->second;
  }
  if (auto v = crdt::validate_spec(spec->spec); !v) return make_error("invalid ServiceSpec: " + v.message());
  return spec;
}

DockerResponse create_service(Agent& agent, const DockerRequest& req, const ImagePinning& pins) {
  auto spec = read_spec(req.body, pins, nullptr);
  if (!spec) return error(400, spec.message());
  const std::string& name = spec->name;
  if (auto v = crdt::validate_service_name(name); !v) return error(400, "invalid service name '" + name + "': " + v.message());
  if (agent.state().service(name)) return error(409, "service " + name + " already exists (name conflicts with an existing object)");
  const std::uint64_t now = agent.now().wall_ms;
  std::string vip;
  if (auto picked = pick_vip_for_new_service(NetworkPools{}.vip_pool, agent.state(), name, now)) vip = to_string(*picked);
  auto s = agent.commit_write([&](crdt::Replica& r) { return r.create_service(now, name, spec->spec, vip); });
  if (!s) return error(400, s.message());
  const crdt::Service* svc = agent.state().service(name);
  return reply(201, {{"ID", svc ? service_id_of(*svc) : ""}, {"Warnings", json::array()}});
}

DockerResponse update_service(Agent& agent, const DockerRequest& req, const crdt::Service& current,
                              const ImagePinning& pins) {
  auto sent = version_param(req.target);
  if (!sent) return error(400, sent.message());
  const std::string name = current.name;
  const std::uint64_t now_version = service_version(agent.state(), name);
  if (*sent != now_version) return out_of_sequence(*sent, now_version);
  const auto rollback = req.target.query.find("rollback");
  if (rollback != req.target.query.end() && rollback->second == "previous") {
    auto s = agent.commit_write([&](crdt::Replica& r) { return r.rollback_service(agent.now().wall_ms, name); });
    if (!s) return error(400, s.message());
    return reply(200, {{"Warnings", json::array()}});
  }
  auto spec = read_spec(req.body, pins, &current);
  if (!spec) return error(400, spec.message());
  if (spec->name != name) return error(400, "ServiceSpec field Name: renaming a service is not supported");
  // A ServiceSpec cannot say --on-partition: an update through the Engine API keeps the policy.
  spec->spec.partition = current.spec.partition;
  // Only the replica count changed: a scale, which restarts nothing (as `docker service scale`).
  crdt::ServiceSpec same_but_replicas = current.spec;
  same_but_replicas.replicas = spec->spec.replicas;
  Status s;
  if (spec->force_update == 0 && same_but_replicas == spec->spec && spec->spec.mode == ServiceMode::kReplicated)
    s = agent.commit_write([&](crdt::Replica& r) { return r.scale_service(agent.now().wall_ms, name, spec->spec.replicas); });
  else
    s = agent.commit_write([&](crdt::Replica& r) { return r.update_service(agent.now().wall_ms, name, spec->spec); });
  if (!s) return error(400, s.message());
  return reply(200, {{"Warnings", json::array()}});
}

// ---- tasks ----

struct TaskView {
  std::string id;
  json body;
  std::string service_id, node_id, desired, name;
  bool up_to_date = false;
};

std::vector<TaskView> all_tasks(Agent& agent, const std::vector<const crdt::Service*>& services) {
  TaskRows rows = task_rows_input(agent);
  std::vector<TaskView> out;
  for (const crdt::Service* svc : services) {
    const std::string sid = service_id_of(*svc);
    const bool global = svc->spec.mode == ServiceMode::kGlobal;
    json current_template = service_spec_to_docker(svc->name, svc->spec)["TaskTemplate"];
    json previous_template = svc->previous_spec ? service_spec_to_docker(svc->name, *svc->previous_spec)["TaskTemplate"]
                                                : current_template;
    for (const PsRow& r : ps_rows(agent.state(), rows.assignment, rows.plans, svc->name)) {
      // A task of the version before (mid-update, or shut down by it) ran the previous spec.
      const json& template_spec = r.version == svc->version || r.version == 0 ? current_template : previous_template;
      TaskView t;
      t.id = docker_task_id(sid, r.slot, r.version, r.node);
      t.service_id = sid;
      t.node_id = r.node.empty() ? "" : node_id(r.node);
      // A task on a node we see as dead is no longer wanted there (its slot moves).
      t.desired = r.desired == "running" && (r.node.empty() || runs_now(agent, r.node)) ? "running" : "shutdown";
      t.up_to_date = r.version == svc->version;
      const std::string state = r.state == "healthy" ? "running" : r.state;
      const std::uint32_t slot = global ? 0 : r.slot + 1;  // Docker numbers replicas from 1
      t.name = svc->name + "." + (global ? t.node_id : std::to_string(slot));
      json status = {{"Timestamp", rfc3339(r.since_ms ? r.since_ms : svc->created_ms)},
                     {"State", state},
                     {"Message", r.state},
                     {"ContainerStatus", {{"ContainerID", ""}, {"PID", 0}, {"ExitCode", 0}}}};
      if (!r.error.empty()) status["Err"] = r.error;
      t.body = {{"ID", t.id},
                {"Version", {{"Index", r.version}}},
                {"CreatedAt", rfc3339(r.since_ms ? r.since_ms : svc->created_ms)},
                {"UpdatedAt", rfc3339(r.since_ms ? r.since_ms : svc->created_ms)},
                {"Labels", json::object()},
                {"Spec", template_spec},
                {"ServiceID", sid},
                {"Slot", slot},
                {"Status", status},
                {"DesiredState", t.desired},
                {"NetworksAttachments", json::array()}};
      if (!t.node_id.empty()) t.body["NodeID"] = t.node_id;
      out.push_back(std::move(t));
    }
  }
  return out;
}

DockerResponse list_tasks(Agent& agent, const DockerRequest& req) {
  auto filters = parse_docker_filters(req.target.query.count("filters") ? req.target.query.at("filters") : "",
                                      {"id", "name", "service", "node", "desired-state", "label", "_up-to-date"});
  if (!filters) return error(400, filters.message());
  // service and node filters name objects by ID, name or ID prefix, as dockerd resolves them.
  std::vector<const crdt::Service*> services;
  if (auto it = filters->find("service"); it != filters->end() && !it->second.empty()) {
    for (const auto& ref : it->second) {
      auto found = find_service(agent, ref);
      if (found.svc && std::find(services.begin(), services.end(), found.svc) == services.end()) services.push_back(found.svc);
    }
  } else {
    services = agent.state().all_services();
  }
  std::set<std::string> node_ids;
  if (auto it = filters->find("node"); it != filters->end())
    for (const auto& ref : it->second) {
      std::vector<DockerIdCandidate> candidates;
      auto members = agent.swim().members();
      for (const auto& m : members) candidates.push_back({node_id(m.id.name), m.id.name});
      auto found = find_by_id_or_name(candidates, ref);
      node_ids.insert(found.outcome == DockerIdLookup::kFound ? candidates[found.index].id : ref);
    }
  for (const auto& v : filters->count("desired-state") ? filters->at("desired-state") : std::vector<std::string>{})
    if (v != "running" && v != "shutdown" && v != "accepted")
      return error(400, "invalid filter 'desired-state=" + v + "': running, shutdown or accepted");
  json out = json::array();
  for (const TaskView& t : all_tasks(agent, services)) {
    if (!node_ids.empty() && !node_ids.count(t.node_id)) continue;
    if (!filter_accepts(*filters, "id", t.id, true) || !filter_accepts(*filters, "name", t.name, true)) continue;
    if (!filter_accepts(*filters, "desired-state", t.desired)) continue;
    if (auto it = filters->find("_up-to-date"); it != filters->end() && !it->second.empty() && !t.up_to_date) continue;
    if (auto it = filters->find("label"); it != filters->end() && !it->second.empty()) continue;  // tasks have no labels
    out.push_back(t.body);
  }
  return reply(200, out);
}

}  // namespace

std::string image_to_pin(Agent& agent, const DockerRequest& req, const std::vector<std::string>& path) {
  const bool create = path.size() == 2 && path[1] == "create" && req.method == "POST";
  const bool update = path.size() == 3 && path[2] == "update" && req.method == "POST";
  if (!create && !update) return "";
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded()) return "";
  auto spec = service_spec_from_docker(j);
  if (!spec || spec->image.empty()) return "";  // the route answers the error
  if (update) {
    auto found = find_service(agent, path[1]);
    if (found.svc && found.svc->spec.task.image == spec->image) return "";
  }
  return spec->image;
}

DockerResponse route_services(Agent& agent, const DockerRequest& req, const std::vector<std::string>& path,
                              const ImagePinning& pins) {
  if (path.size() == 1) return req.method == "GET" ? list_services(agent, req) : method_not_allowed();
  if (path.size() == 2 && path[1] == "create") return req.method == "POST" ? create_service(agent, req, pins) : method_not_allowed();
  auto found = find_service(agent, path[1]);
  if (path.size() == 2) {
    if (req.method == "GET") {
      if (!found.svc) return found.error;
      auto rows = task_rows_input(agent);
      return reply(200, service_json(agent, *found.svc, query_bool(req.target, "status"), &rows));
    }
    if (req.method == "DELETE") {
      if (!found.svc) return found.error;
      const std::string name = found.svc->name;
      auto s = agent.commit_write([&](crdt::Replica& r) { return r.remove_service(agent.now().wall_ms, name); });
      if (!s) return error(500, s.message());
      return empty(200);
    }
    return method_not_allowed();
  }
  if (path.size() == 3 && path[2] == "update") {
    if (req.method != "POST") return method_not_allowed();
    if (!found.svc) return found.error;
    return update_service(agent, req, *found.svc, pins);
  }
  return not_found_route(req);
}

DockerResponse route_tasks(Agent& agent, const DockerRequest& req, const std::vector<std::string>& path) {
  if (req.method != "GET") return method_not_allowed();
  if (path.size() == 1) return list_tasks(agent, req);
  if (path.size() == 2) {
    auto tasks = all_tasks(agent, agent.state().all_services());
    std::vector<DockerIdCandidate> candidates;
    for (const auto& t : tasks) candidates.push_back({t.id, ""});
    auto found = find_by_id_or_name(candidates, path[1]);
    if (found.outcome == DockerIdLookup::kAmbiguous) return error(400, "task " + path[1] + " is ambiguous");
    if (found.outcome == DockerIdLookup::kNotFound) return error(404, "task " + path[1] + " not found");
    return reply(200, tasks[found.index].body);
  }
  return not_found_route(req);
}

}  // namespace docker_api
}  // namespace shoal
