// Dispatch, and the endpoints about the daemon and the swarm: /_ping, /version, /info, /swarm.
#include "agent/docker_api_routes.h"

#include <sys/utsname.h>

#include <charconv>
#include <ctime>

#include "agent/agent_impl.h"

namespace shoal {
namespace docker_api {

std::uint64_t version_index(const HlcTimestamp& at) {
  return at.wall_ms * 1000 + std::min<std::uint64_t>(at.logical, 999);
}

Result<std::uint64_t> version_param(const DockerTarget& t) {
  auto it = t.query.find("version");
  if (it == t.query.end() || it->second.empty())
    return make_error("the version of the object being updated is required (?version=N from inspect)");
  std::uint64_t v = 0;
  const std::string& s = it->second;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return make_error("invalid version '" + s + "'");
  return v;
}

DockerResponse out_of_sequence(std::uint64_t sent, std::uint64_t current) {
  return error(409, "update out of sequence: the object changed since version " + std::to_string(sent) +
                        " (now " + std::to_string(current) + "); inspect it again and retry");
}

std::string node_id(const std::string& node_name) { return docker_id("node", node_name); }

std::string docker_task_id(const std::string& service_id, std::uint32_t slot, std::uint64_t version, const std::string& node) {
  return docker_id("task", service_id + "\n" + std::to_string(slot) + "\n" + std::to_string(version) + "\n" + node);
}

std::string service_id(const std::string& name, std::uint64_t created_ms) {
  return docker_id("service", name + "\n" + std::to_string(created_ms));
}

const char* docker_node_state(membership::MemberStatus s) {
  return s == membership::MemberStatus::kAlive || s == membership::MemberStatus::kSuspect ? "ready" : "down";
}

namespace {

// shoal clusters have no cluster object: every cluster shows this one ID (not derived from the
// cluster key, which nothing here may reveal anything about).
const std::string& cluster_id() {
  static const std::string id = docker_id("cluster", "shoal");
  return id;
}

struct Host {
  std::string arch = "x86_64", kernel;
  // /version's Arch is Go's GOARCH spelling (amd64), /info's is uname's (x86_64), as in dockerd.
  std::string go_arch() const { return arch == "x86_64" ? "amd64" : arch == "aarch64" ? "arm64" : arch; }
};
Host host() {
  Host h;
  struct utsname u {};
  if (::uname(&u) == 0) h.arch = u.machine, h.kernel = u.release;
  return h;
}

std::string agent_version(Agent& agent) {
  auto self = agent.swim().member(NodeId{agent.config().name});
  return self ? self->meta.version : "";
}

std::size_t alive_nodes(Agent& agent) { return agent.swim().num_alive(); }

json cluster_json(Agent& agent) {
  const std::uint64_t created = agent.now().wall_ms;  // no cluster object: "now" is honest enough
  return {{"ID", cluster_id()},
          {"Version", {{"Index", 0}}},
          {"CreatedAt", rfc3339(created)},
          {"UpdatedAt", rfc3339(created)},
          {"Spec", {{"Name", "default"}, {"Labels", json::object()}, {"Orchestration", json::object()},
                    {"Raft", json::object()}, {"Dispatcher", json::object()}, {"CAConfig", json::object()},
                    {"TaskDefaults", json::object()}, {"EncryptionConfig", {{"AutoLockManagers", false}}}}},
          {"TLSInfo", json::object()},
          {"RootRotationInProgress", false},
          {"DefaultAddrPool", json::array()},
          {"SubnetSize", 24},
          {"DataPathPort", 4789}};
}

DockerResponse ping(const DockerRequest& req) {
  if (req.method != "GET" && req.method != "HEAD") return method_not_allowed();
  return {200, "OK", "text/plain; charset=utf-8"};
}

DockerResponse version(Agent& agent) {
  Host h = host();
  const std::string v = agent_version(agent);
  json details = {{"ApiVersion", kDockerApiVersion}, {"MinAPIVersion", kDockerMinApiVersion}, {"Os", "linux"},
                  {"Arch", h.go_arch()}, {"KernelVersion", h.kernel}, {"GitCommit", ""}, {"GoVersion", ""}};
  return reply(200, {{"Platform", {{"Name", "shoal " + v}}},
                     {"Components", json::array({{{"Name", "Engine"}, {"Version", v}, {"Details", details}}})},
                     {"Version", v},
                     {"ApiVersion", kDockerApiVersion},
                     {"MinAPIVersion", kDockerMinApiVersion},
                     {"Os", "linux"},
                     {"Arch", h.go_arch()},
                     {"KernelVersion", h.kernel},
                     {"GitCommit", ""},
                     {"GoVersion", ""},
                     {"BuildTime", ""}});
}

DockerResponse info(Agent& agent) {
  Host h = host();
  const std::string& name = agent.config().name;
  auto self = agent.swim().member(NodeId{name});
  json managers = json::array();
  for (const auto& m : agent.swim().members())
    if (m.status == membership::MemberStatus::kAlive || m.status == membership::MemberStatus::kSuspect)
      managers.push_back({{"NodeID", node_id(m.id.name)}, {"Addr", m.addr}});
  const std::size_t nodes = alive_nodes(agent);
  json swarm = {{"NodeID", node_id(name)},
                {"NodeAddr", self && !self->meta.addresses.empty() ? self->meta.addresses[0] : ""},
                {"LocalNodeState", "active"},
                {"ControlAvailable", true},  // any shoal node accepts writes
                {"Error", ""},
                {"RemoteManagers", managers},
                {"Nodes", nodes},
                {"Managers", nodes},
                {"Cluster", cluster_json(agent)}};
  std::size_t running = 0;
  for (const auto& [runner, task] : agent.state().all_tasks())
    if (runner.name == name && is_active(task->state)) ++running;
  json labels = json::array();
  if (self)
    for (const auto& [k, v] : self->meta.labels) labels.push_back(k + "=" + v);
  return reply(200, {{"ID", node_id(name)},
                     {"Name", name},
                     {"Containers", running},
                     {"ContainersRunning", running},
                     {"ContainersPaused", 0},
                     {"ContainersStopped", 0},
                     {"Images", 0},
                     {"Driver", "shoal"},
                     {"ServerVersion", agent_version(agent)},
                     {"OperatingSystem", "shoal"},
                     {"OSType", "linux"},
                     {"OSVersion", ""},
                     {"KernelVersion", h.kernel},
                     {"Architecture", h.arch},
                     {"NCPU", self ? (self->meta.cpu_millis + 999) / 1000 : 0},
                     {"MemTotal", self ? self->meta.memory_bytes : 0},
                     {"DockerRootDir", agent.config().data_dir},
                     {"Labels", labels},
                     {"ExperimentalBuild", false},
                     {"Warnings", json::array()},
                     {"Swarm", swarm}});
}

DockerResponse swarm(Agent& agent, const DockerRequest& req, const std::vector<std::string>& path) {
  if (path.size() == 1) {
    if (req.method != "GET") return method_not_allowed();
    json s = cluster_json(agent);
    s["JoinTokens"] = {{"Worker", ""}, {"Manager", ""}};
    return reply(200, s);
  }
  const std::string& verb = path[1];
  if (verb == "init" || verb == "join")
    return error(503, "This node is already part of a swarm: every shoal agent is. Nodes join with "
                      "`shoal agent --join IP:PORT` (any member's address); there are no join tokens.");
  if (verb == "leave")
    return error(503, "shoal nodes leave the cluster when their agent stops: send it SIGTERM (e.g. "
                      "`systemctl stop shoal`); its tasks move to the other nodes.");
  if (verb == "update" || verb == "unlock" || verb == "unlockkey")
    return error(400, "swarm " + verb + " is not supported by shoal: cluster settings are agent flags "
                      "and keys are rotated with `shoal key ...` (see docs/docker-api.md)");
  return not_found_route(req);
}

}  // namespace
}  // namespace docker_api

void route_docker_request(Agent& agent, const DockerRequest& req, std::function<void(DockerResponse)> respond) {
  using namespace docker_api;
  auto path = path_segments(req.target.path);
  if (path.empty()) return respond(not_found_route(req));
  const std::string& top = path[0];
  if (top == "_ping") return respond(ping(req));
  if (top == "version" && path.size() == 1) return respond(req.method == "GET" ? version(agent) : method_not_allowed());
  if (top == "info" && path.size() == 1) return respond(req.method == "GET" ? info(agent) : method_not_allowed());
  if (top == "swarm") return respond(swarm(agent, req, path));
  if (top == "tasks") return respond(route_tasks(agent, req, path));
  if (top == "nodes") return respond(route_nodes(agent, req, path));
  if (top == "events") return respond(route_events(agent, req, path));
  if (top != "services") return respond(not_found_route(req));
  if (path.size() == 3 && path[2] == "logs") {
    if (req.method != "GET") return respond(method_not_allowed());
    auto found = find_service(agent, path[1]);
    if (!found.svc) return respond(found.error);
    return route_service_logs(agent, req, *found.svc, std::move(respond));
  }
  std::string text = image_to_pin(agent, req, path);
  if (text.empty()) return respond(route_services(agent, req, path));
  agent.pin_image_async(text, false, "docker-api service write",
                        [&agent, req, path, text, respond = std::move(respond)](Result<std::string> pinned) {
                          if (!pinned)
                            return respond(error(400, "ServiceSpec field TaskTemplate.ContainerSpec.Image: " + pinned.message()));
                          respond(route_services(agent, req, path, {{text, *pinned}}));
                        });
}

}  // namespace shoal
