#include "runtime/restart_policy.h"

#include <algorithm>

namespace shoal::runtime {

std::int64_t RestartTracker::delay_for_attempt_ms(std::uint32_t attempt) const {
  if (attempt == 0) return 0;
  // The user's delay is a floor: a cap below it (the runtime's default cap with a long
  // --restart-delay) must not make restarts come sooner than asked.
  const std::int64_t cap = std::max(spec_.delay_ms, spec_.max_delay_ms);
  std::int64_t delay = spec_.delay_ms;
  // Double at most 62 times: bounded loop, and the cap is reached long before overflow.
  for (std::uint32_t i = 1; i < attempt && i < 62 && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

std::uint32_t RestartTracker::counted_restarts(std::int64_t now_ms) {
  if (spec_.window_ms > 0)
    while (!restart_times_ms_.empty() && restart_times_ms_.front() <= now_ms - spec_.window_ms)
      restart_times_ms_.pop_front();
  return static_cast<std::uint32_t>(restart_times_ms_.size());
}

RestartDecision RestartTracker::on_exit(std::int64_t now_ms, const ExitEvent& event) {
  using Condition = RestartPolicySpec::Condition;
  RestartDecision d;
  const bool failed = event.unhealthy || !event.exit.success();
  if (event.stop_requested) {
    d.reason = "stopped on request";
    return d;
  }
  if (spec_.condition == Condition::kNone) {
    d.reason = "restart condition is none";
    return d;
  }
  if (spec_.condition == Condition::kOnFailure && !failed) {
    d.reason = "exited successfully and restart condition is on-failure";
    return d;
  }
  if (now_ms - last_start_ms_ >= spec_.reset_after_ms) {
    attempts_ = 0;
    restart_times_ms_.clear();
  }
  if (spec_.max_attempts > 0 && counted_restarts(now_ms) >= spec_.max_attempts) {
    d.kind = RestartDecision::Kind::kGiveUp;
    d.reason = "gave up after " + std::to_string(spec_.max_attempts) + " restarts (max attempts " +
               std::to_string(spec_.max_attempts) +
               (spec_.window_ms > 0 ? " in " + std::to_string(spec_.window_ms) + " ms" : std::string()) + ")";
    return d;
  }
  ++attempts_;
  if (spec_.max_attempts > 0) {
    restart_times_ms_.push_back(now_ms);
    if (restart_times_ms_.size() > spec_.max_attempts) restart_times_ms_.pop_front();
  }
  d.kind = RestartDecision::Kind::kRestart;
  d.attempt = attempts_;
  d.restart_at_ms = now_ms + delay_for_attempt_ms(attempts_);
  d.reason = "restart " + std::to_string(attempts_) + " in " +
             std::to_string(d.restart_at_ms - now_ms) + " ms";
  return d;
}

}  // namespace shoal::runtime
