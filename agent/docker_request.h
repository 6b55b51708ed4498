// The pure half of reading a Docker Engine API request: the target's path and query, the API
// version prefix, and the `filters` parameter. No sockets; tested from tables.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shoal {

// The API version shoal announces (GET /_ping's API-Version, /version's ApiVersion). 1.41 is
// what Debian 12's docker.io 20.10 client speaks; newer clients (docker 28, API 1.50)
// negotiate down to it. The minimum is the oldest version whose shapes shoal writes.
inline constexpr const char* kDockerApiVersion = "1.41";
inline constexpr const char* kDockerMinApiVersion = "1.24";

struct DockerTarget {
  std::string path;                            // "/services/web/update", version prefix removed
  std::string version;                         // "1.41" from "/v1.41/...", "" without a prefix
  std::map<std::string, std::string> query;    // decoded; a repeated key keeps the last value
};

// "/v1.41/services?filters=%7B%7D" -> {"/services", "1.41", {filters: "{}"}}. Errors (400) on a
// malformed escape or a version prefix that is not vMAJOR.MINOR.
Result<DockerTarget> parse_docker_target(std::string_view target);

// The path split on '/', empty segments dropped: "/services/web/update" -> {services, web, update}.
std::vector<std::string> path_segments(const std::string& path);

// `filters` is JSON: {"name": {"web": true}} (current) or {"name": ["web"]} (API < 1.22).
// Keys outside `allowed` are an error ("invalid filter 'x'", as dockerd says).
using DockerFilters = std::map<std::string, std::vector<std::string>>;
Result<DockerFilters> parse_docker_filters(std::string_view json, const std::set<std::string>& allowed);

// True when no value is given for `key`, or `value` is one of them (`prefix`: a value may be a
// prefix of `value`, as dockerd matches IDs).
bool filter_accepts(const DockerFilters& f, const std::string& key, const std::string& value, bool prefix = false);

// A query flag: "1", "true", "True" are true (as dockerd's httputils.BoolValue; "0"/"false"/"" are not).
bool query_bool(const DockerTarget& t, const std::string& key);

}  // namespace shoal

namespace shoal {

// One HTTP request as the routes see it: bounded and authenticated already by the server.
struct DockerRequest {
  std::string method;  // "GET", "HEAD", "POST", "DELETE", ...
  DockerTarget target;
  std::string body;
};

// A body that goes on after the response's head, as dockerd's streams (`docker events`,
// `docker service logs -f`): the session writes the head (chunked), then calls `next` for each
// further piece once the one before is written. `next` calls `deliver` exactly once, now or
// later: a piece to write, "" for nothing yet (next is called again: how a long wait checks
// that the client is still there), or done to end the body.
struct DockerStream {
  using Deliver = std::function<void(std::string piece, bool done)>;
  std::function<void(Deliver)> next;
};

struct DockerResponse {
  unsigned status = 200;
  std::string body;  // JSON unless content_type says otherwise
  std::string content_type = "application/json";
  // Sent with Transfer-Encoding: chunked, as dockerd sends its streams (/events): clients read
  // such a body as a stream of JSON messages (docker-py reads a body with a length as one).
  bool chunked = false;
  // Set: the body is `body` then whatever the stream delivers (always chunked).
  std::shared_ptr<DockerStream> stream = nullptr;
};

// `--docker-api` addresses: "unix:///run/shoal/docker.sock" or "tcp://127.0.0.1:2375".
struct DockerListenAddress {
  bool tcp = false;
  std::string path;  // unix
  std::string host;  // tcp
  std::uint16_t port = 0;
};
Result<DockerListenAddress> parse_docker_api_address(const std::string& text);

}  // namespace shoal
