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

namespace shoal {

namespace {

// Keeps the last `tail` lines of `text` (all if tail == 0).
std::string tail_of(const std::string& text, std::size_t tail) {
  if (tail == 0) return text;
  std::size_t pos = text.size(), lines = 0;
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  while (pos > 0) {
    if (text[pos - 1] == '\n' && ++lines == tail) break;
    --pos;
  }
  return text.substr(pos);
}

}  // namespace

std::string Agent::local_logs(const std::string& service, std::size_t tail_lines) const {
  std::string out;
  if (!runtime_) return out;
  for (const auto& st : runtime_->list()) {
    auto spec = runtime_->spec(st.id);
    if (!spec || spec->service != service) continue;
    auto paths = runtime_->logs(st.id);
    if (!paths) continue;
    for (const std::string& path : {paths->stdout_path, paths->stderr_path}) {
      auto text = read_file(path);
      if (!text) continue;
      std::string kept = tail_of(*text, tail_lines);
      std::size_t start = 0;
      while (start < kept.size()) {
        std::size_t end = kept.find('\n', start);
        if (end == std::string::npos) end = kept.size();
        out += st.id + "@" + config_.name + " | " + kept.substr(start, end - start) + "\n";
        start = end + 1;
      }
    }
  }
  return out;
}

void Agent::handle_async(const ApiRequest& request, ApiServer::Respond respond) {
  const auto& argv = request.argv;
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
    std::size_t waiting = 0;
    ApiServer::Respond respond;
  };
  auto g = std::make_shared<Gather>(Gather{local_logs(name, tail), 0, std::move(respond)});
  std::vector<std::string> peers;
  for (const NodeId& id : live_peers())
    if (auto m = swim_->member(id)) peers.push_back(m->addr);
  g->waiting = peers.size();
  if (peers.empty()) return g->respond(ok(g->text));
  Bytes req = encode_logs_request({name, tail});
  for (const auto& addr : peers)
    transport_->send_app_stream(addr, req, [g](std::optional<Envelope> env) {
      if (env)
        if (auto text = decode_logs_reply(*env); text.ok()) g->text += *text;
      if (--g->waiting == 0) g->respond(ok(g->text));
    });
}

}  // namespace shoal
