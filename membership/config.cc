#include "membership/config.h"

#include <string>

namespace shoal::membership {

Config lan_config() { return Config{}; }

Config wan_config() {
  // Cross-site links: RTTs of 10-300 ms with tails and loss. Values follow memberlist's
  // DefaultWANConfig: slow probes with a long timeout, more patience before death, slower but
  // wider gossip.
  Config c = lan_config();
  c.probe_interval_ms = 5'000;
  // memberlist uses 3 s; 2.5 s keeps shoal's rule that the indirect round (relay ping, relay
  // wait, nack back) fits in the second half of the interval.
  c.probe_timeout_ms = 2'500;
  c.suspicion_mult = 6;
  c.gossip_interval_ms = 500;
  c.gossip_nodes = 4;
  c.gossip_to_the_dead_ms = 60'000;
  c.push_pull_interval_ms = 60'000;
  return c;
}

Config local_config() {
  // One host (loopback, tests, demos): RTTs of tens of microseconds, no real path diversity, so
  // one indirect check is as good as three. Values follow memberlist's DefaultLocalConfig,
  // scaled to shoal's faster LAN profile.
  Config c = lan_config();
  c.probe_interval_ms = 250;
  c.probe_timeout_ms = 100;
  c.indirect_checks = 1;
  c.retransmit_mult = 2;
  c.suspicion_mult = 3;
  c.gossip_to_the_dead_ms = 15'000;
  c.push_pull_interval_ms = 15'000;
  return c;
}

shoal::Status validate(const Config& c) {
  if (c.probe_interval_ms == 0) return make_error("membership: probe_interval_ms must be > 0");
  if (c.probe_timeout_ms == 0) return make_error("membership: probe_timeout_ms must be > 0");
  if (c.probe_timeout_ms * 2 > c.probe_interval_ms)
    return make_error("membership: probe_timeout_ms (" + std::to_string(c.probe_timeout_ms) +
                      ") must be at most half of probe_interval_ms (" +
                      std::to_string(c.probe_interval_ms) + ") to leave time for indirect probes");
  if (c.suspicion_mult < 1) return make_error("membership: suspicion_mult must be >= 1");
  if (c.suspicion_max_timeout_mult < 1)
    return make_error("membership: suspicion_max_timeout_mult must be >= 1");
  if (c.retransmit_mult < 1 || c.user_retransmit_mult < 1)
    return make_error("membership: retransmit_mult and user_retransmit_mult must be >= 1");
  if (c.gossip_interval_ms == 0) return make_error("membership: gossip_interval_ms must be > 0");
  if (c.gossip_nodes < 1) return make_error("membership: gossip_nodes must be >= 1");
  if (c.push_pull_interval_ms == 0)
    return make_error("membership: push_pull_interval_ms must be > 0");
  if (c.awareness_max_multiplier < 1)
    return make_error("membership: awareness_max_multiplier must be >= 1");
  if (c.udp_payload_max_bytes < kSealOverheadBytes + 256 || c.udp_payload_max_bytes > 65'000)
    return make_error("membership: udp_payload_max_bytes must be in [" +
                      std::to_string(kSealOverheadBytes + 256) + ", 65000]");
  if (c.meta_max_bytes + 200 > c.packet_budget_bytes())
    return make_error("membership: meta_max_bytes (" + std::to_string(c.meta_max_bytes) +
                      ") leaves no room for an alive message in udp_payload_max_bytes");
  if (c.broadcast_queue_max < 16) return make_error("membership: broadcast_queue_max must be >= 16");
  if (c.user_seen_max < 16) return make_error("membership: user_seen_max must be >= 16");
  if (c.members_max < 2) return make_error("membership: members_max must be >= 2");
  if (c.relay_max < 1) return make_error("membership: relay_max must be >= 1");
  if (c.clock_offset_warn_ms == 0) return make_error("membership: clock_offset_warn_ms must be > 0");
  return {};
}

}  // namespace shoal::membership
