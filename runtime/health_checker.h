// Health check decisions as a sans-IO state machine. The shell (Runtime) runs the probes; this
// class only says when to start one, when one has taken too long, and what the verdict is.
// Semantics follow Docker's HEALTHCHECK, which users already know:
//  - the first probe runs interval_ms after the task started, the next interval_ms after the
//    previous one finished (so probes never overlap);
//  - a probe that has not reported within timeout_ms is a failure (the shell kills it);
//  - one success => healthy; `retries` consecutive failures => unhealthy;
//  - during start_period_ms failures do not count, unless a probe has already succeeded (a
//    success ends the start period early).
#pragma once

#include <cstdint>
#include <limits>

#include "runtime/task_spec.h"

namespace shoal::runtime {

inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

enum class Health : std::uint8_t { kStarting = 0, kHealthy = 1, kUnhealthy = 2 };
const char* health_name(Health health);

struct HealthStep {
  enum class Action : std::uint8_t {
    kNone = 0,
    kStartProbe = 1,    // run the probe now; report with on_probe_result()
    kAbandonProbe = 2,  // the running probe timed out (counted as a failure): kill it
  };
  Action action = Action::kNone;
  Health health = Health::kStarting;
  std::int64_t next_deadline_ms = kNever;  // call poll() again no later than this
};

class HealthChecker {
 public:
  HealthChecker(const HealthCheckSpec& spec, std::int64_t started_ms);

  // Advance to now_ms; returns at most one action (poll again until kNone if you fell behind).
  HealthStep poll(std::int64_t now_ms);

  // Result of the probe started by the last kStartProbe. A late result for an abandoned probe is
  // ignored (its failure was already counted).
  void on_probe_result(std::int64_t now_ms, bool passed);

  Health health() const { return health_; }
  bool probe_in_flight() const { return in_flight_; }
  std::uint32_t consecutive_failures() const { return failures_; }
  std::int64_t next_deadline_ms() const;

 private:
  void record(std::int64_t now_ms, bool passed);

  HealthCheckSpec spec_;
  std::int64_t start_period_end_ms_;
  std::int64_t next_probe_ms_;
  std::int64_t probe_deadline_ms_ = kNever;
  bool in_flight_ = false;
  bool ever_passed_ = false;
  std::uint32_t failures_ = 0;
  Health health_ = Health::kStarting;
};

}  // namespace shoal::runtime
