// `shoal events`: this node's event log (node/event_log.h), kept on disk (agent/event_file.h).
#include <cstdio>

#include <algorithm>

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

namespace {

// A held follow is answered within this, whatever it asked: below the CLI's 10 s call timeout.
constexpr std::uint64_t kMaxEventWaitMs = 8'000;
// Followers held at once; more are answered at once (they poll, as before).
constexpr std::size_t kMaxEventWaiters = 64;

// Whether an answer to a follower ("cursor SEQ\n" then events) holds any event.
bool has_events(const ApiResponse& r) {
  const std::size_t eol = r.out.find('\n');
  return r.exit_code != 0 || (eol != std::string::npos && eol + 1 < r.out.size());
}

}  // namespace

void Agent::events_async(std::vector<std::string> args, ApiServer::Respond respond) {
  std::uint64_t wait_ms = 0;
  auto it = std::find(args.begin(), args.end(), "--wait-ms");
  if (it != args.end()) {
    if (it + 1 == args.end()) return respond(fail("events --wait-ms: give a number of milliseconds", 2));
    try {
      wait_ms = std::min<std::uint64_t>(std::stoull(*(it + 1)), kMaxEventWaitMs);
    } catch (const std::exception&) {
      return respond(fail("events --wait-ms: '" + *(it + 1) + "' is not a number of milliseconds", 2));
    }
    args.erase(it, it + 2);
  }
  ApiResponse now_answer = cmd_events(args);
  const bool follower = std::find(args.begin(), args.end(), "--after") != args.end();
  if (!follower || wait_ms == 0 || has_events(now_answer) || event_waiters_.size() >= kMaxEventWaiters)
    return respond(std::move(now_answer));
  hold_events(std::move(args), std::move(respond), now().mono_ms + wait_ms);
}

// Until an event the follower's filters want comes, or its time is up (then: what there is).
void Agent::hold_events(std::vector<std::string> args, ApiServer::Respond respond, std::uint64_t deadline_ms) {
  wait_for_event(events_.last_seq(), deadline_ms, [this, args, respond, deadline_ms]() mutable {
    ApiResponse r = cmd_events(args);
    if (has_events(r) || now().mono_ms >= deadline_ms) return respond(std::move(r));
    hold_events(std::move(args), std::move(respond), deadline_ms);
  });
}

void Agent::wait_for_event(std::uint64_t after_seq, std::uint64_t deadline_ms, std::function<void()> wake) {
  event_waiters_.push_back({after_seq, deadline_ms, std::move(wake)});
  arm_event_wait_timer();
}

void Agent::wake_event_waiters() {
  const std::uint64_t t = now().mono_ms, last = events_.last_seq();
  std::vector<std::function<void()>> ready;
  std::erase_if(event_waiters_, [&](EventWaiter& w) {
    if (w.after_seq >= last && w.deadline_ms > t) return false;
    ready.push_back(std::move(w.wake));
    return true;
  });
  for (auto& wake : ready) wake();  // may wait again: event_waiters_ is consistent here
  arm_event_wait_timer();
}

void Agent::arm_event_wait_timer() {
  if (event_waiters_.empty()) return;
  std::uint64_t first = event_waiters_.front().deadline_ms;
  for (const auto& w : event_waiters_) first = std::min(first, w.deadline_ms);
  const std::uint64_t t = now().mono_ms;
  event_wait_timer_.expires_after(std::chrono::milliseconds(first > t ? first - t : 0));
  event_wait_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) wake_event_waiters();
  });
}

void Agent::after_ms(std::uint64_t ms, std::function<void()> fn) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(ms));
  timer->async_wait([timer, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (!ec) fn();
  });
}

void Agent::record_event(node::ClusterEvent e) {
  const node::ClusterEvent& stamped = events_.append(std::move(e), now().wall_ms);
  if (!event_waiters_.empty()) wake_event_waiters();
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
