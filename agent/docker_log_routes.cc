// GET /services/{id}/logs for `docker service logs` and the SDKs' service.logs(). The body is
// Docker's multiplexed stream: per line an 8-byte header (stream 1 = stdout, 2 = stderr, three
// zero bytes, the payload's length as big-endian uint32), then "[<time> ][<details> ]<line>\n".
// The details name the node, service and task by the IDs /nodes, /services and /tasks serve;
// the docker CLI reads them to print "web.1.<task>@<node> | line".
//
// follow=1 streams: the lines so far, then every second what each node wrote since the last
// line sent from it (TaskLogFollow: each node by its own clock), until the client goes.
#include <charconv>

#include "agent/agent_impl.h"
#include "agent/docker_api_routes.h"
#include "agent/task_log_lines.h"

namespace shoal {
namespace docker_api {

namespace {

// What a zero time looks like in Docker's timestamps: a line without one (an older file).
constexpr std::string_view kNoTime = "0001-01-01T00:00:00.000000000Z";

// "web.2.7@n1" -> the task's Docker ID (slot 2, version 7 on n1), "" if it is not that shape.
std::string task_of(std::string_view source, const std::string& service_id) {
  const std::size_t at = source.rfind('@');
  const std::string_view id = source.substr(0, at);
  const std::size_t v = id.rfind('.');
  if (at == std::string_view::npos || v == std::string_view::npos || v == 0) return "";
  const std::size_t s = id.rfind('.', v - 1);
  if (s == std::string_view::npos) return "";
  std::uint32_t slot = 0;
  std::uint64_t version = 0;
  const std::string_view slot_text = id.substr(s + 1, v - s - 1), version_text = id.substr(v + 1);
  if (std::from_chars(slot_text.data(), slot_text.data() + slot_text.size(), slot).ec != std::errc() ||
      std::from_chars(version_text.data(), version_text.data() + version_text.size(), version).ec != std::errc())
    return "";
  return docker_task_id(service_id, slot, version, std::string(source.substr(at + 1)));
}

void append_frame(std::string& out, bool stderr_stream, std::string_view payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  const char header[8] = {static_cast<char>(stderr_stream ? 2 : 1), 0, 0, 0, static_cast<char>(n >> 24),
                          static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)};
  out.append(header, sizeof header).append(payload);
}

struct LogsAsked {
  LogsQuery query;
  bool out = false, err = false, timestamps = false, details = false, follow = false;
};

Result<LogsAsked> logs_asked(const DockerRequest& req, const crdt::Service& svc, std::uint64_t now_ms) {
  LogsAsked a;
  a.out = query_bool(req.target, "stdout");
  a.err = query_bool(req.target, "stderr");
  a.timestamps = query_bool(req.target, "timestamps");
  a.details = query_bool(req.target, "details");
  if (!a.out && !a.err) return make_error("Bad parameters: you must choose at least one stream");
  a.follow = query_bool(req.target, "follow");
  a.query.request.service = svc.name;
  const auto& q = req.target.query;
  if (auto it = q.find("tail"); it != q.end() && it->second != "all") {
    // As dockerd: a tail that is not a number of lines means all of them.
    std::uint64_t n = 0;
    if (std::from_chars(it->second.data(), it->second.data() + it->second.size(), n).ec == std::errc())
      a.query.request.tail_lines = n;
  }
  for (auto [key, bound] : {std::pair{"since", &a.query.request.since}, std::pair{"until", &a.query.request.until}}) {
    auto it = q.find(key);
    if (it == q.end() || it->second.empty() || it->second == "0") continue;
    auto time = log_time_bound(it->second, now_ms);
    if (!time) return make_error(std::string(key) + ": " + time.message());
    *bound = *time;
  }
  return a;
}


// Docker's frames for exchanged lines (agent/task_log_lines.h), the streams asked for.
std::string frames(const LogsAsked& a, const std::string& sid, std::string_view lines) {
  std::string body, payload;
  for (std::size_t nl; (nl = lines.find('\n')) != std::string_view::npos; lines.remove_prefix(nl + 1)) {
    auto line = parse_task_log_line(lines.substr(0, nl));
    if (!line) continue;
    const bool is_err = line->stream == "stderr";
    if (is_err ? !a.err : !a.out) continue;
    payload.clear();
    if (a.timestamps) payload.append(line->time.empty() ? kNoTime : line->time).push_back(' ');
    if (a.details) {
      const std::string node = std::string(line->source.substr(line->source.rfind('@') + 1));
      payload.append("com.docker.swarm.node.id=").append(node_id(node));
      payload.append(",com.docker.swarm.service.id=").append(sid);
      payload.append(",com.docker.swarm.task.id=").append(task_of(line->source, sid)).push_back(' ');
    }
    payload.append(line->content).push_back('\n');
    append_frame(body, is_err, payload);
  }
  return body;
}

// How often a followed stream asks every node again (as `shoal service logs --follow`, which
// asks every 250 ms; a Docker stream is there for long, so it asks less).
constexpr std::uint64_t kLogFollowPollMs = 1'000;

struct LogFollowState {
  LogsAsked asked;
  std::string sid;
  TaskLogFollow follow{false};
};

}  // namespace

void route_service_logs(Agent& agent, const DockerRequest& req, const crdt::Service& svc,
                        std::function<void(DockerResponse)> respond) {
  auto asked = logs_asked(req, svc, agent.now().wall_ms);
  if (!asked) return respond(error(400, asked.message()));
  auto state = std::make_shared<LogFollowState>(LogFollowState{*asked, service_id(svc.name, svc.created_ms)});
  agent.gather_logs(asked->query, [&agent, state, respond = std::move(respond)](Result<std::string> merged) {
    if (!merged) return respond(error(400, merged.message()));
    DockerResponse r;
    r.content_type = "application/vnd.docker.multiplexed-stream";
    r.body = frames(state->asked, state->sid, state->follow.take_new(*merged));
    if (state->asked.follow) {
      r.stream = std::make_shared<DockerStream>();
      r.stream->next = [&agent, state](DockerStream::Deliver deliver) {
        agent.after_ms(kLogFollowPollMs, [&agent, state, deliver] {
          // Nodes with a line sent go on from it; others (a new task's node) from the start.
          LogsQuery q = state->asked.query;
          q.request.tail_lines = 0;
          q.node_since = state->follow.node_cursors();
          agent.gather_logs(q, [state, deliver](Result<std::string> more) {
            if (!more) return deliver("", true);  // e.g. past the answer bound: end the stream
            deliver(frames(state->asked, state->sid, state->follow.take_new(*more)), false);
          });
        });
      };
    }
    respond(std::move(r));
  });
}

}  // namespace docker_api
}  // namespace shoal
