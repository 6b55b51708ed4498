#include "runtime/health_checker.h"

namespace shoal::runtime {

const char* health_name(Health health) {
  switch (health) {
    case Health::kStarting: return "starting";
    case Health::kHealthy: return "healthy";
    case Health::kUnhealthy: return "unhealthy";
  }
  return "unknown";
}

HealthChecker::HealthChecker(const HealthCheckSpec& spec, std::int64_t started_ms)
    : spec_(spec),
      start_period_end_ms_(started_ms + spec.start_period_ms),
      next_probe_ms_(started_ms + spec.interval_ms) {
  if (spec_.kind == HealthCheckSpec::Kind::kNone) {
    health_ = Health::kHealthy;  // nothing to wait for: healthy as soon as running
    next_probe_ms_ = kNever;
  }
}

std::int64_t HealthChecker::next_deadline_ms() const {
  return in_flight_ ? probe_deadline_ms_ : next_probe_ms_;
}

HealthStep HealthChecker::poll(std::int64_t now_ms) {
  HealthStep step;
  if (in_flight_ && now_ms >= probe_deadline_ms_) {
    record(now_ms, false);
    step.action = HealthStep::Action::kAbandonProbe;
  } else if (!in_flight_ && now_ms >= next_probe_ms_) {
    in_flight_ = true;
    probe_deadline_ms_ = now_ms + spec_.timeout_ms;
    step.action = HealthStep::Action::kStartProbe;
  }
  step.health = health_;
  step.next_deadline_ms = next_deadline_ms();
  return step;
}

void HealthChecker::on_probe_result(std::int64_t now_ms, bool passed) {
  if (!in_flight_) return;
  record(now_ms, passed);
}

void HealthChecker::record(std::int64_t now_ms, bool passed) {
  SHOAL_ASSERT(in_flight_);
  in_flight_ = false;
  probe_deadline_ms_ = kNever;
  next_probe_ms_ = now_ms + spec_.interval_ms;
  if (passed) {
    ever_passed_ = true;
    failures_ = 0;
    health_ = Health::kHealthy;
    return;
  }
  const bool in_start_period = !ever_passed_ && now_ms < start_period_end_ms_;
  if (in_start_period) return;
  ++failures_;
  if (failures_ >= spec_.retries) health_ = Health::kUnhealthy;
}

}  // namespace shoal::runtime
