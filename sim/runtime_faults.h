// What the simulated runtime does to tasks, as named delays and probabilities (VOPR style),
// each with the limit beyond which the node core makes no promise.
#pragma once

#include <cstdint>

#include "common/result.h"

namespace shoal::sim {

struct RuntimeFaults {
  // A started task is healthy after a delay uniform in [0, this] ms (image pull, exec, first
  // health check). 0: at once. Limit 10 s: the properties' liveness bounds add it once.
  std::uint64_t start_delay_max_ms = 300;
  // A stopped task is gone (shutdown) after a delay uniform in [0, this] ms (the stop grace).
  // Limit 10 s, as above.
  std::uint64_t stop_delay_max_ms = 200;
  // Rate at which a healthy task fails on its own, per task per simulated second (exponential
  // lifetimes). Its restart policy (any) starts it again after restart_delay_ms. Limit 0.1: a
  // task that fails more often than every 10 s is never stably "running exactly once".
  double crash_per_task_second = 0.0;
  std::uint64_t restart_delay_ms = 500;
};

inline shoal::Status validate(const RuntimeFaults& f) {
  if (f.start_delay_max_ms > 10'000) return make_error("sim: start_delay_max_ms must be <= 10 s");
  if (f.stop_delay_max_ms > 10'000) return make_error("sim: stop_delay_max_ms must be <= 10 s");
  if (!(f.crash_per_task_second >= 0.0 && f.crash_per_task_second <= 0.1))
    return make_error("sim: crash_per_task_second must be in [0, 0.1]");
  return {};
}

}  // namespace shoal::sim
