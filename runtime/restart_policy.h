// Restart decisions as a sans-IO state machine: input = task starts and exits with their time,
// output = restart at a deadline, or stay down (with the reason). The Runtime applies it.
//   condition none:       never restart
//   condition on-failure: restart after a failure (non-zero exit, signal, OOM, unhealthy)
//   condition any:        restart after any exit the runtime did not ask for
// Delay: delay_ms * 2^(attempt-1), capped at max(max_delay_ms, delay_ms) (exponential backoff,
// as k8s' CrashLoopBackOff; the user's delay is a floor, never cut by the cap). A run lasting
// reset_after_ms or more forgets earlier attempts. max_attempts > 0 bounds the restarts since
// the last reset; with window_ms > 0 only those of the last window_ms count (Swarm's
// --restart-window). A stop someone asked for is never undone.
// Laws (tests/runtime/restart_policy_test.cc, as properties): none never restarts; on-failure
// restarts only a failure; any restarts every exit it was not asked for; no restart comes
// sooner than delay_ms; no window holds more than max_attempts restarts.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "runtime/task_spec.h"
#include "runtime/task_state.h"

namespace shoal::runtime {

struct RestartDecision {
  enum class Kind : std::uint8_t {
    kRestart = 0,  // start again at restart_at_ms
    kStayDown = 1, // the policy does not restart this exit (reason says why)
    kGiveUp = 2,   // attempts exhausted: a failure the operator should see
  };
  Kind kind = Kind::kStayDown;
  std::int64_t restart_at_ms = 0;
  std::uint32_t attempt = 0;  // kRestart: which restart this is (1 = first)
  std::string reason;

  bool operator==(const RestartDecision&) const = default;
};

struct ExitEvent {
  ExitInfo exit;
  bool unhealthy = false;          // stopped by the runtime because its health check failed
  bool stop_requested = false;     // stopped because someone called stop(): never restart
};

class RestartTracker {
 public:
  explicit RestartTracker(const RestartPolicySpec& spec) : spec_(spec) {}

  void on_start(std::int64_t now_ms) { last_start_ms_ = now_ms; }
  RestartDecision on_exit(std::int64_t now_ms, const ExitEvent& event);

  // Restarts since the last reset.
  std::uint32_t attempts() const { return attempts_; }

  // The backoff for a given attempt (1-based), exposed for tests and `inspect`.
  std::int64_t delay_for_attempt_ms(std::uint32_t attempt) const;

 private:
  // Restarts counted against max_attempts at this exit (drops those outside the window).
  std::uint32_t counted_restarts(std::int64_t now_ms);

  RestartPolicySpec spec_;
  std::int64_t last_start_ms_ = 0;
  std::uint32_t attempts_ = 0;  // since the last reset: drives the backoff
  // When the restarts since the last reset were decided, oldest first; bounded: only the last
  // max_attempts can matter for the limit, so no more are kept.
  std::deque<std::int64_t> restart_times_ms_;
};

}  // namespace shoal::runtime
