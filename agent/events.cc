// `shoal events`: this node's event log (node/event_log.h), kept on disk (agent/event_file.h).
#include <cstdio>

#include "agent/agent_impl.h"
#include "agent/command_util.h"
#include "common/log.h"
#include "common/rfc3339.h"

namespace shoal {
namespace {

// "2026-12-07T13:12:00.123000000Z service created web (image=..., version=1)", as docker events.
std::string event_text(const node::ClusterEvent& e) {
  std::string line = rfc3339(e.time_ms) + " " + node::to_string(e.type) + " " + e.action + " " + e.name;
  if (!e.attributes.empty()) {
    line += " (";
    bool first = true;
    for (const auto& [k, v] : e.attributes) {
      line += (first ? "" : ", ") + k + "=" + v;
      first = false;
    }
    line += ")";
  }
  return line + "\n";
}

}  // namespace

// The history is for operators, not state: a file that cannot be read (too large, unreadable)
// is moved aside and a new history starts, rather than keeping the agent from starting.
Status Agent::open_events() {
  const std::string path = config_.data_dir + "/events";
  event_file_.emplace(path);
  if (auto s = event_file_->load(events_); !s) {
    const std::string aside = path + ".unreadable";
    const bool moved = ::rename(path.c_str(), aside.c_str()) == 0;
    log_warning(s.message() + (moved ? "; moved to " + aside : "; it could not be moved aside either") +
                ", and a new event history starts");
    events_ = node::EventLog{};
    event_file_.emplace(path);
  }
  if (event_file_->bad_lines() > 0)
    log_warning("events file: skipped " + std::to_string(event_file_->bad_lines()) +
                " damaged or out-of-order line(s); the rest of the history is kept");
  return {};
}

void Agent::record_event(node::ClusterEvent e) {
  const node::ClusterEvent& stamped = events_.append(std::move(e), now().wall_ms);
  if (!event_file_) return;
  auto s = event_file_->append(stamped, events_);
  if (!s && !event_file_failing_) log_warning(s.message() + ": events are kept in memory only until it works again");
  if (s && event_file_failing_) log_info("events file writable again");
  event_file_failing_ = !s;
}

// `events [--since T] [--until T] [--filter type=...|name=...]... [--format json]`. The CLI
// follows (no --until) by asking again with `--after SEQ`; the answer to such a request starts
// with a line "cursor SEQ", the last seq it covers, which the CLI keeps and does not print.
ApiResponse Agent::cmd_events(const std::vector<std::string>& args) {
  auto f = parse_flags("events", args, {{"--since", "--until", "--filter", "--format", "--after"}, {}});
  if (!f) return fail(f.message(), 2);
  if (!f->positional.empty()) return fail("events: unexpected argument '" + f->positional[0] + "'", 2);
  auto json = want_json(*f);
  if (!json) return fail(json.message(), 2);
  node::EventQuery q;
  const std::uint64_t now_ms = now().wall_ms;
  auto bound = [&](const char* flag) { return f->has(flag) ? std::optional(f->get(flag)) : std::nullopt; };
  if (auto s = node::set_event_window(q, bound("--since"), bound("--until"), now_ms); !s)
    return fail("events --" + s.message(), 2);
  for (const auto& filter : f->all("--filter"))
    if (auto s = node::add_event_filter(q, filter); !s) return fail("events " + s.message(), 2);
  const bool follower = f->has("--after");
  if (follower) {
    try {
      q.after_seq = std::stoull(f->get("--after"));
    } catch (const std::exception&) {
      return fail("events --after: '" + f->get("--after") + "' is not a sequence number", 2);
    }
  }
  std::string out;
  if (follower) out = "cursor " + std::to_string(events_.last_seq()) + "\n";
  for (const auto& e : events_.query(q)) out += *json ? event_json(e) + "\n" : event_text(e);
  return ok(std::move(out));
}

}  // namespace shoal
