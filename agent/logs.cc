// `shoal service logs NAME [--tail N] [--since T] [--until T] [--timestamps]`: the log lines of
// every task of the service, on every node, merged by time (agent/task_log_lines.h). This node
// reads its own tasks' files and asks each live peer over TCP (the membership transport's
// application streams); it answers once all replied or timed out, so a dead node costs at most
// the stream timeout.
#include <charconv>
#include <map>
#include <memory>

#include "agent/agent_impl.h"
#include "agent/atomic_file.h"
#include "agent/command_util.h"
#include "agent/state_sync.h"
#include "agent/task_log_lines.h"
#include "runtime/log_record.h"
#include "runtime/log_tail.h"

namespace shoal {

namespace {

// The largest `service logs` answer, all nodes together, counted as printed (with the
// "task@node | " prefixes). It must fit the API frame (kMaxApiFrameBytes, 16 MiB) and a peer's
// part must fit a gossip stream frame (32 MiB) with room for encoding; 8 MiB is a long scroll
// and keeps a request's transient memory to a few copies of it. Past it the user gets an error
// that says to use --tail, never a silently empty or cut answer.
constexpr std::size_t kMaxLogsAnswerBytes = 8u << 20;

Error answer_too_long(const std::string& service) {
  return make_error("service logs " + service + ": more than " + std::to_string(kMaxLogsAnswerBytes >> 20) +
                    " MiB of log lines; ask for fewer with --tail N");
}

Result<std::string> time_flag(const ParsedFlags& f, const std::string& flag, std::uint64_t now_ms) {
  if (!f.has(flag)) return std::string();
  auto bound = log_time_bound(f.get(flag), now_ms);
  if (!bound) return make_error(flag + " " + bound.message());
  return bound;
}

Result<LogsQuery> logs_query(const ParsedFlags& f, std::uint64_t now_ms) {
  LogsQuery asked;
  asked.request.service = f.positional[0];
  if (f.has("--tail")) {
    const std::string t = f.get("--tail");
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), asked.request.tail_lines);
    if (t != "all" && (ec != std::errc() || p != t.data() + t.size()))
      return make_error("--tail '" + t + "' is not a number of lines");
  }
  auto since = time_flag(f, "--since", now_ms);
  if (!since) return since.error();
  auto until = time_flag(f, "--until", now_ms);
  if (!until) return until.error();
  asked.request.since = *since;
  asked.request.until = *until;
  const std::string given = f.get("--node-since");
  std::string_view list = given;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || !runtime::is_log_record_time(item.substr(eq + 1)))
      return make_error("--node-since wants NODE=TIME,... with times as log records write them");
    asked.node_since[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return asked;
}

}  // namespace

LogsRequest LogsQuery::for_node(const std::string& node) const {
  LogsRequest r = request;
  if (auto it = node_since.find(node); it != node_since.end()) r.since = it->second, r.tail_lines = 0;
  return r;
}

Result<std::string> Agent::local_logs(const LogsRequest& request) const {
  std::string out;
  if (!runtime_) return out;
  const std::uint32_t files = runtime_->log_limits().max_files;
  for (const auto& st : runtime_->list()) {
    auto spec = runtime_->spec(st.id);
    if (!spec || spec->service != request.service) continue;
    auto paths = runtime_->logs(st.id);
    if (!paths) continue;
    const std::string source = st.id + "@" + config_.name;
    for (const auto& [stream, path] : {std::pair{"stdout", paths->stdout_path}, std::pair{"stderr", paths->stderr_path}}) {
      // Docker's order: --tail picks the last lines, then --since/--until filter them. Without
      // --tail, --since reads only the generations that can hold such lines. Either way, never
      // more than the answer may hold.
      const auto generations = runtime::log_generations(path, files);
      auto kept = request.tail_lines == 0 && !request.since.empty()
                      ? runtime::read_log_since(generations, request.since, kMaxLogsAnswerBytes)
                      : runtime::read_log_tail(generations, request.tail_lines, kMaxLogsAnswerBytes);
      if (!kept) return kept.message().rfind("more than", 0) == 0 ? answer_too_long(request.service) : kept.error();
      append_task_log_lines(out, *kept, source, stream, request.since, request.until);
      if (out.size() > kMaxLogsAnswerBytes) return answer_too_long(request.service);
    }
  }
  return out;
}

void Agent::handle_async(const ApiRequest& request, ApiServer::Respond respond) {
  const auto& argv = request.argv;
  // `image pull` and `image load` run on a worker thread and answer when done (image_commands.cc).
  if (argv.size() >= 2 && argv[0] == "image" && (argv[1] == "pull" || argv[1] == "load"))
    return image_async({argv.begin() + 1, argv.end()}, std::move(respond));
  if (argv.size() >= 2 && argv[0] == "service" && (argv[1] == "create" || argv[1] == "update"))
    return service_write_async(request, std::move(respond));
  if (argv.size() >= 2 && argv[0] == "stack" && argv[1] == "deploy") return stack_deploy_async(request, std::move(respond));
  if (!argv.empty() && argv[0] == "events") return events_async({argv.begin() + 1, argv.end()}, std::move(respond));
  if (argv.size() < 2 || argv[0] != "service" || argv[1] != "logs") return respond(handle(request));
  auto f = parse_flags("service logs", {argv.begin() + 2, argv.end()},
                      {{"--tail", "--since", "--until", "--node-since"}, {"--timestamps", "--wire"}});
  if (!f) return respond(fail(f.message(), 2));
  if (f->positional.size() != 1) return respond(fail("service logs: give a service NAME", 2));
  auto asked = logs_query(*f, now().wall_ms);
  if (!asked) return respond(fail("service logs: " + asked.message(), 2));
  const std::string name = asked->request.service;
  if (!replica_.state().service(name)) return respond(fail("service logs: no service named " + name));
  // As exchanged (--wire, for the CLI's follow) or as printed.
  gather_logs(*asked, [respond = std::move(respond), wire = f->has("--wire"),
                       timestamps = f->has("--timestamps")](Result<std::string> merged) {
    if (!merged) return respond(fail(merged.message()));
    if (wire) return respond(ok(*merged));
    std::string printed;
    printed.reserve(merged->size());
    std::string_view rest = *merged;
    for (std::size_t nl; (nl = rest.find('\n')) != std::string_view::npos; rest.remove_prefix(nl + 1))
      if (auto line = parse_task_log_line(rest.substr(0, nl))) append_printed_log_line(printed, *line, timestamps);
    respond(ok(printed));
  });
}

void Agent::gather_logs(const LogsQuery& query, std::function<void(Result<std::string>)> done) {
  struct Gather {
    std::string text;
    std::string error;  // the first node's error (or the total's): answered instead of text
    std::size_t waiting = 0;
    std::function<void(Result<std::string>)> done;
    void add(Result<std::string> part, const std::string& service) {
      if (!error.empty()) return;
      if (!part) error = part.message();
      else if (text.size() + part->size() > kMaxLogsAnswerBytes) error = answer_too_long(service).message;
      else text += *part;
      if (!error.empty()) std::string().swap(text);
    }
    void finish() { done(error.empty() ? Result<std::string>(merge_task_log_lines(text)) : make_error(error)); }
  };
  const std::string name = query.request.service;
  auto g = std::make_shared<Gather>();
  g->done = std::move(done);
  g->add(local_logs(query.for_node(config_.name)), name);
  std::vector<std::pair<std::string, Bytes>> peers;  // address, request
  for (const NodeId& id : live_peers())
    if (auto m = swim_->member(id)) peers.emplace_back(m->addr, encode_logs_request(query.for_node(id.name)));
  g->waiting = peers.size();
  if (peers.empty()) return g->finish();
  for (const auto& [addr, req] : peers)
    transport_->send_app_stream(addr, req, [g, name](std::optional<Envelope> env) {
      // A node that does not answer (down, timed out) contributes nothing, as before; one that
      // answers with an error makes the whole answer that error.
      if (env) g->add(decode_logs_reply(*env), name);
      if (--g->waiting == 0) g->finish();
    });
}

}  // namespace shoal
