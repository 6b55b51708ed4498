// Measurements only the agent's shell can take: durations (the cores are sans-IO and never read
// a clock) and bytes the shell moves (anti-entropy streams, the state file). The cores count
// their own events (membership::Counters, runtime::RuntimeCounters, NodeCore::sync_rounds);
// this holds the rest, and agent/metrics_collect.h renders both.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "agent/metrics_text.h"

namespace shoal {

// API requests by verb ("members", "service create", ...): latency and failures. The verb comes
// from the client's argv, so the label set is bounded: a verb that is not a plain lowercase word
// pair, or one past kMaxVerbs distinct, is counted as "other" (a client sending random verbs
// cannot grow the agent's memory or a scrape's size).
class ApiVerbMetrics {
 public:
  static constexpr std::size_t kMaxVerbs = 64;

  struct Verb {
    metrics::Histogram latency{metrics::latency_buckets_seconds()};
    std::uint64_t failed = 0;  // answered with a non-zero exit code
  };

  // The label for a request's argv: "service create", "members", "other".
  static std::string verb_of(const std::vector<std::string>& argv);

  void observe(const std::string& verb, double seconds, bool failed);
  const std::map<std::string, Verb, std::less<>>& by_verb() const { return by_verb_; }

 private:
  std::map<std::string, Verb, std::less<>> by_verb_;
};

struct ShellMetrics {
  ApiVerbMetrics api;
  // Wall time of the core steps that computed a reconcile decision (placement, update plan,
  // start/stop/forget): the step fed the node's local tasks.
  metrics::Histogram placement_seconds{metrics::latency_buckets_seconds()};
  std::uint64_t sync_bytes_sent = 0;      // anti-entropy digests, replies and pushes we wrote
  std::uint64_t sync_bytes_received = 0;  // ... and read
  std::uint64_t state_bytes = 0;          // the desired state as last persisted (encoded)
  std::uint64_t image_pulls = 0;          // pulls and loads that finished, by outcome
  std::uint64_t image_pulls_failed = 0;
};

}  // namespace shoal
