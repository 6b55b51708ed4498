// `shoal service logs NAME [--tail N]`: the log lines of every task of the service, on every
// node. This node reads its own tasks' files and asks each live peer over TCP (the membership
// transport's application streams); it answers once all replied or timed out, so a dead node
// costs at most the stream timeout.
#include <charconv>
#include <memory>

#include "agent/agent_impl.h"
#include "agent/atomic_file.h"
#include "agent/command_util.h"
#include "agent/state_sync.h"
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

}  // namespace

Result<std::string> Agent::local_logs(const std::string& service, std::size_t tail_lines) const {
  std::string out;
  if (!runtime_) return out;
  const std::uint32_t files = runtime_->log_limits().max_files;
  for (const auto& st : runtime_->list()) {
    auto spec = runtime_->spec(st.id);
    if (!spec || spec->service != service) continue;
    auto paths = runtime_->logs(st.id);
    if (!paths) continue;
    const std::string prefix = st.id + "@" + config_.name + " | ";
    for (const std::string& path : {paths->stdout_path, paths->stderr_path}) {
      // Read backwards from the end, never more than the answer may hold.
      auto kept = runtime::read_log_tail(runtime::log_generations(path, files), tail_lines, kMaxLogsAnswerBytes);
      if (!kept) return kept.message().rfind("more than", 0) == 0 ? answer_too_long(service) : kept.error();
      std::size_t start = 0;
      while (start < kept->size()) {
        std::size_t end = kept->find('\n', start);
        if (end == std::string::npos) end = kept->size();
        if (out.size() + prefix.size() + (end - start) + 1 > kMaxLogsAnswerBytes) return answer_too_long(service);
        out.append(prefix).append(*kept, start, end - start).push_back('\n');
        start = end + 1;
      }
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
  if (argv.size() < 2 || argv[0] != "service" || argv[1] != "logs") return respond(handle(request));
  auto f = parse_flags("service logs", {argv.begin() + 2, argv.end()}, {{"--tail"}, {}});
  if (!f) return respond(fail(f.message(), 2));
  if (f->positional.size() != 1) return respond(fail("service logs: give a service NAME", 2));
  const std::string name = f->positional[0];
  if (!replica_.state().service(name)) return respond(fail("service logs: no service named " + name));
  std::uint64_t tail = 0;
  if (f->has("--tail")) {
    std::string t = f->get("--tail");
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), tail);
    if (ec != std::errc() || p != t.data() + t.size())
      return respond(fail("service logs: --tail '" + t + "' is not a number of lines", 2));
  }
  struct Gather {
    std::string text;
    std::string error;  // the first node's error (or the total's): answered instead of text
    std::size_t waiting = 0;
    ApiServer::Respond respond;
    void add(Result<std::string> part, const std::string& service) {
      if (!error.empty()) return;
      if (!part) error = part.message();
      else if (text.size() + part->size() > kMaxLogsAnswerBytes) error = answer_too_long(service).message;
      else text += *part;
      if (!error.empty()) std::string().swap(text);
    }
    void finish() { respond(error.empty() ? ok(text) : fail(error)); }
  };
  auto g = std::make_shared<Gather>();
  g->respond = std::move(respond);
  g->add(local_logs(name, tail), name);
  std::vector<std::string> peers;
  for (const NodeId& id : live_peers())
    if (auto m = swim_->member(id)) peers.push_back(m->addr);
  g->waiting = peers.size();
  if (peers.empty()) return g->finish();
  Bytes req = encode_logs_request({name, tail});
  for (const auto& addr : peers)
    transport_->send_app_stream(addr, req, [g, name](std::optional<Envelope> env) {
      // A node that does not answer (down, timed out) contributes nothing, as before; one that
      // answers with an error makes the whole answer that error.
      if (env) g->add(decode_logs_reply(*env), name);
      if (--g->waiting == 0) g->finish();
    });
}

}  // namespace shoal
