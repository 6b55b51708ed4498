// Network faults of the simulator, as named probabilities and ranges with documented limits
// (tigerbeetle packet_simulator style). Limits keep the system able to make progress: beyond
// them the membership protocol makes no promise, so the simulator refuses them.
#pragma once

#include <cstdint>

#include "common/result.h"

namespace shoal::sim {

struct Faults {
  // Probability that one UDP datagram is lost, independently per datagram. Limit [0, 0.5]:
  // above it a probe and all k indirect probes fail too often for any timeout to separate a
  // slow network from a dead node (SWIM paper, section 5).
  double udp_loss = 0.0;

  // One-way latency of each message, uniform in [min, max] microseconds (independent per
  // message, so datagrams reorder). Limit: max <= 50 ms; LAN-profile timeouts assume a fast
  // network (probe timeout 200 ms = 2 RTTs at the limit).
  std::uint64_t latency_min_us = 200;
  std::uint64_t latency_max_us = 2'000;

  // Reliable (TCP) messages are never lost; they fail only across a partition or to a down
  // node (connection refused), like TCP with retransmission within the latency bound.
};

inline shoal::Status validate(const Faults& f) {
  if (!(f.udp_loss >= 0.0 && f.udp_loss <= 0.5)) return make_error("sim: udp_loss must be in [0, 0.5]");
  if (f.latency_min_us > f.latency_max_us) return make_error("sim: latency_min_us > latency_max_us");
  if (f.latency_max_us > 50'000) return make_error("sim: latency_max_us must be <= 50 ms");
  return {};
}

}  // namespace shoal::sim
