// Time as the cores see it: one explicit input, never read inside a core. The shell reads the
// real clocks in one place (membership/system_clock.h); tests and the simulator pass their own.
//
// Which clock for what (every value is milliseconds, uint64_t):
//  - mono_ms (steady, starts anywhere, never jumps): every timer and deadline -- SWIM probes and
//    suspicion, anti-entropy rounds, persist debounce, reconcile coalescing and the periodic
//    round, the settle gate, join back-off and the join-sync rate limit, the runtime's restart
//    delays and health intervals. A wall-clock step (NTP, an operator) must not fire or freeze
//    these.
//  - wall_ms (Unix epoch, may jump, may differ between nodes): only values that leave this node
//    or are compared across nodes -- HLC stamps of CRDT writes (common/hlc.h bounds the skew it
//    adopts), a task status's since_ms and the rolling-update monitor window computed from it
//    (placement/update_plan.h: other nodes' since_ms are compared with our now), the seal time
//    and replay window of packets (common/replay_filter.h), service created_ms, and the dataplane's
//    first_start_ms (an ordering between nodes, not a timer).
#pragma once

#include <cstdint>

namespace shoal {

struct Now {
  std::uint64_t mono_ms = 0;
  std::uint64_t wall_ms = 0;
};

// The one seam through which a shell component (the Asio transport, the agent) reads time.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Now now() const = 0;
};

}  // namespace shoal
