// This node's recent events, in order: a bounded ring that stamps each event with the next seq
// and the time it was seen, and answers queries (since/until, type and name filters, after a
// seq for a follower). Pure data: the shell persists what it appends (agent/event_file.h) and
// restores the ring from disk at start, so `shoal events --since 1h` survives a restart.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "node/cluster_event.h"

namespace shoal::node {

// Events kept: a busy day of a small cluster (a rolling update of 100 tasks makes ~400), small
// enough to hold in memory and rewrite on disk in milliseconds (~200 bytes each, 2 MB).
inline constexpr std::size_t kDefaultEventLogCapacity = 10'000;

struct EventQuery {
  std::uint64_t after_seq = 0;                 // only events with a larger seq (a follower's cursor)
  std::optional<std::uint64_t> since_ms;       // time_ms >= since_ms
  std::optional<std::uint64_t> until_ms;       // time_ms <= until_ms
  std::set<EventType> types;                   // empty: every type
  std::set<std::string> names;                 // empty: every name; else the event's name or
                                               // its service/node attribute is one of them
  std::size_t limit = kDefaultEventLogCapacity;  // at most this many, the oldest first
};

// "type=service", "name=web" (Docker's --filter spelling) into the query; an error names the
// filter and says what is accepted.
Status add_event_filter(EventQuery& query, const std::string& filter);

// The window's bounds as docker events takes them (common/time_arg.h), each when given; an
// error starts with "since: " or "until: ".
Status set_event_window(EventQuery& query, const std::optional<std::string>& since,
                        const std::optional<std::string>& until, std::uint64_t now_ms);

bool matches(const EventQuery& query, const ClusterEvent& e);

class EventLog {
 public:
  explicit EventLog(std::size_t capacity = kDefaultEventLogCapacity);

  // Stamps `e` with the next seq and `time_ms`, keeps it (dropping the oldest past capacity) and
  // returns the stamped event.
  const ClusterEvent& append(ClusterEvent e, std::uint64_t time_ms);
  // Puts back an event read from disk (seq and time kept). Events must come in seq order; one
  // out of order (a torn or duplicated line) is refused and returns false.
  bool restore(ClusterEvent e);

  std::vector<ClusterEvent> query(const EventQuery& q) const;
  const std::deque<ClusterEvent>& events() const { return events_; }
  std::uint64_t last_seq() const { return next_seq_ - 1; }
  std::size_t capacity() const { return capacity_; }

 private:
  std::size_t capacity_;
  std::uint64_t next_seq_ = 1;
  std::deque<ClusterEvent> events_;
};

}  // namespace shoal::node
