#include "node/event_log.h"

#include <algorithm>
#include <tuple>

#include "common/time_arg.h"

namespace shoal::node {

Status set_event_window(EventQuery& query, const std::optional<std::string>& since,
                        const std::optional<std::string>& until, std::uint64_t now_ms) {
  for (auto [name, text, bound] : {std::tuple{"since", &since, &query.since_ms}, std::tuple{"until", &until, &query.until_ms}}) {
    if (!*text) continue;
    auto t = parse_time_arg(**text, now_ms);
    if (!t) return make_error(std::string(name) + ": " + t.message());
    *bound = *t;
  }
  return {};
}

Status add_event_filter(EventQuery& query, const std::string& filter) {
  auto eq = filter.find('=');
  std::string key = filter.substr(0, eq), value = eq == std::string::npos ? "" : filter.substr(eq + 1);
  if (eq == std::string::npos || value.empty())
    return make_error("--filter '" + filter + "': give KEY=VALUE (type=member|node|service|task, name=NAME)");
  if (key == "type") {
    auto t = parse_event_type(value);
    if (!t) return make_error("--filter type=" + value + ": not member, node, service or task");
    query.types.insert(*t);
    return {};
  }
  if (key == "name" || key == "service" || key == "node") {
    query.names.insert(value);
    return {};
  }
  return make_error("--filter '" + filter + "': unknown key '" + key + "' (type, name)");
}

bool matches(const EventQuery& q, const ClusterEvent& e) {
  if (e.seq <= q.after_seq) return false;
  if (q.since_ms && e.time_ms < *q.since_ms) return false;
  if (q.until_ms && e.time_ms > *q.until_ms) return false;
  if (!q.types.empty() && !q.types.count(e.type)) return false;
  if (q.names.empty() || q.names.count(e.name)) return true;
  // A task event names its service and node: `name=web` follows web's tasks too.
  for (const char* attr : {"service", "node"}) {
    auto it = e.attributes.find(attr);
    if (it != e.attributes.end() && q.names.count(it->second)) return true;
  }
  return false;
}

EventLog::EventLog(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

const ClusterEvent& EventLog::append(ClusterEvent e, std::uint64_t time_ms) {
  e.seq = next_seq_++;
  e.time_ms = time_ms;
  events_.push_back(std::move(e));
  while (events_.size() > capacity_) events_.pop_front();
  return events_.back();
}

bool EventLog::restore(ClusterEvent e) {
  if (e.seq < next_seq_) return false;
  next_seq_ = e.seq + 1;
  events_.push_back(std::move(e));
  while (events_.size() > capacity_) events_.pop_front();
  return true;
}

std::vector<ClusterEvent> EventLog::query(const EventQuery& q) const {
  std::vector<ClusterEvent> out;
  // Events are in seq order: skip what a follower has seen without looking at each.
  auto first = std::upper_bound(events_.begin(), events_.end(), q.after_seq,
                                [](std::uint64_t seq, const ClusterEvent& e) { return seq < e.seq; });
  for (auto it = first; it != events_.end() && out.size() < q.limit; ++it)
    if (matches(q, *it)) out.push_back(*it);
  return out;
}

}  // namespace shoal::node
