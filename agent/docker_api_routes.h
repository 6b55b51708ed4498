// The Docker Engine API subset (docs/docker-api.md): one request in, one response out, against
// the agent's replica. Reads answer from the local state; writes go through Agent::commit_write,
// so a 2xx means the write is durable here (and gossiped), exactly as `shoal service ...`.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/docker_ids.h"
#include "agent/docker_request.h"
#include "common/hlc.h"
#include "common/rfc3339.h"

namespace shoal {

class Agent;

// Calls `respond` once: at once, or after the registry answered for a write naming an image
// (Agent::pin_image_async), so one slow registry does not hold the agent's loop.
void route_docker_request(Agent& agent, const DockerRequest& req, std::function<void(DockerResponse)> respond);

// Shared by the route files (docker_api_routes.cc, docker_service_routes.cc, docker_node_routes.cc).
namespace docker_api {

using json = nlohmann::json;

// Strings in shoal's state are bytes; JSON is UTF-8: invalid sequences become U+FFFD (as Go's
// encoder does) instead of throwing.
inline DockerResponse reply(unsigned status, const json& body) {
  return {status, body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n", "application/json"};
}
inline DockerResponse error(unsigned status, const std::string& message) { return reply(status, {{"message", message}}); }
inline DockerResponse empty(unsigned status) { return {status, "", "text/plain; charset=utf-8"}; }

using shoal::rfc3339;  // common/rfc3339.h: as Go's time.Time marshals

// Docker's Version.Index for an object stored in an LWW register: its timestamp, which every
// write changes (a scale as well as a spec change), as wall_ms * 1000 + logical. Stays below
// 2^53 (JavaScript clients read it exactly) until the year 2255; a logical counter above 999
// within one millisecond would need 1000 writes to one object in that millisecond.
std::uint64_t version_index(const HlcTimestamp& at);

// Reads `?version=N` of an update; error text for the 400.
Result<std::uint64_t> version_param(const DockerTarget& t);

// "update out of sequence": the client read the object at `sent`, it is now at `current`.
DockerResponse out_of_sequence(std::uint64_t sent, std::uint64_t current);

// The node ID Docker clients see for a shoal node (derived from its unique name).
std::string node_id(const std::string& node_name);
// The service ID: from its name and creation time, so a service removed and created again
// under the same name is another object to a client, as in Docker.
std::string service_id(const std::string& name, std::uint64_t created_ms);
// A member's state as Docker's NodeStatus.State: a suspect node is still "ready" (SWIM has not
// decided; Docker's "unknown" means the manager lost track), failed and left are "down".
const char* docker_node_state(membership::MemberStatus status);

// A task's ID: from its service, slot, version and node, so each task of a rolling update or
// a move is another task to a client, as in Docker.
std::string docker_task_id(const std::string& service_id, std::uint32_t slot, std::uint64_t version, const std::string& node);

// A service named by ID, ID prefix or name; else the 404 (or 400 if ambiguous) to answer.
struct ServiceLookup {
  const crdt::Service* svc = nullptr;
  DockerResponse error;
};
ServiceLookup find_service(Agent& agent, const std::string& ref);

// GET /services/{id}/logs: every node's lines of the service (Agent::gather_logs) in Docker's
// multiplexed stream, with the details `docker service logs` reads (node, service, task IDs).
void route_service_logs(Agent& agent, const DockerRequest& req, const crdt::Service& svc,
                        std::function<void(DockerResponse)> respond);

// Route groups. Each returns nullopt-like 404 "page not found" when the path is not its own.
// `pins`: image text as the client sent it -> the pinned reference (see image_to_pin).
using ImagePinning = std::map<std::string, std::string>;
DockerResponse route_services(Agent& agent, const DockerRequest& req, const std::vector<std::string>& path,
                              const ImagePinning& pins = {});
// The image a service create/update names that must be pinned before the write: "" when it names
// none, or the service already runs it (an update that keeps the image re-pins nothing).
std::string image_to_pin(Agent& agent, const DockerRequest& req, const std::vector<std::string>& path);
DockerResponse route_tasks(Agent& agent, const DockerRequest& req, const std::vector<std::string>& path);
DockerResponse route_nodes(Agent& agent, const DockerRequest& req, const std::vector<std::string>& path);
DockerResponse route_events(Agent& agent, const DockerRequest& req, const std::vector<std::string>& path);

inline DockerResponse not_found_route(const DockerRequest& req) {
  return error(404, "page not found: shoal's Docker API has no " + req.method + " " + req.target.path +
                        " (see docs/docker-api.md)");
}
inline DockerResponse method_not_allowed() { return error(405, "method not allowed"); }

}  // namespace docker_api
}  // namespace shoal
