// What `/metrics` shows: every counter the agent's parts already keep, read into one document
// in the Prometheus text format (agent/metrics_text.h). Pure: the caller (the agent, the
// bench, the tests) passes the values in; nothing here computes what a core should count.
// docs/metrics.md lists each metric with its meaning.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/shell_metrics.h"
#include "crdt/desired_state.h"
#include "image/http_registry_client.h"
#include "membership/swim.h"
#include "runtime/runtime.h"

namespace shoal {

// The metrics endpoint's own counters (agent/metrics_server.h).
struct MetricsServerStats {
  std::uint64_t scrapes = 0;          // /metrics answered
  std::uint64_t refused_token = 0;    // missing or wrong bearer token (non-loopback address)
  std::uint64_t refused_busy = 0;     // over the connection limit
  std::uint64_t bad_requests = 0;     // not a bounded GET/HEAD: oversized, malformed, has a body
  std::uint64_t timed_out = 0;        // request or answer not done within its deadline
};

// The API server's refusals (agent/api_server.h ApiServerStats), copied to keep this header
// free of Asio.
struct ApiRefusals {
  std::uint64_t token = 0, oversized = 0, busy = 0, timed_out = 0, accept_errors = 0;
};

// The gossip transport's TCP stream outcomes (membership::Transport::StreamStats).
struct StreamOutcomes {
  std::uint64_t connect_failed = 0, closed_unanswered = 0, inbound_rejected = 0;
};

struct MetricsInputs {
  std::string_view version;
  std::string_view node;  // this node's name (build_info label; Prometheus adds `instance`)
  // Membership: this node's view and its SWIM core's counters.
  const std::vector<membership::Member>* members = nullptr;
  const membership::Counters* swim = nullptr;
  std::size_t gossip_queue_depth = 0;
  int health_score = 0;
  std::uint64_t incarnation = 0;
  StreamOutcomes streams;
  // The node core and its replica of the desired state.
  const crdt::DesiredState* state = nullptr;
  std::uint64_t reconcile_rounds = 0;
  std::uint64_t persist_failures = 0;
  std::uint64_t sync_rounds = 0;
  bool settled = false;
  // Absent when the part is not open (no runtime: tests; no registry client).
  std::optional<runtime::RuntimeCounters> runtime;
  std::optional<image::RegistryClientCounters> registry;
  ApiRefusals api_refused;
  const ShellMetrics* shell = nullptr;
  MetricsServerStats server;
};

// The whole `/metrics` document. Every pointer in `in` must be set.
std::string render_metrics(const MetricsInputs& in);

}  // namespace shoal
