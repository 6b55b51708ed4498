// membership::Config: every knob of the SWIM + Lifeguard core in one place. Each field says what
// it does, the formula it feeds, the trade-off, and why its default. `lan_config()` is the
// default; `wan_config()` and `local_config()` start from it and change a few fields, as
// memberlist's DefaultWANConfig / DefaultLocalConfig do.
//
// Where the LAN defaults come from. memberlist's LAN profile (probe 1 s, probe timeout 500 ms,
// gossip 200 ms) was sized for 2013-era data centres and WAN-ish tails; on a LAN or loopback an
// RTT is 0.05-0.5 ms, so a 200 ms probe timeout is still >100x the RTT. shoal's target is to
// detect a failure and converge a join in half serf's time on loopback (see
// ../shared/ENVIRONMENT.md: serf LAN detects in 6.1-7.3 s at N=16, joins in 0.8-0.95 s) with zero
// false deaths at 10% packet loss. The defaults below were chosen by running the simulator
// (tests/sim, bench/dissemination) over those scenarios; the measured figures are in the
// comments. Summary (simulator, 0.2-2 ms latency): failure detected by all in 2.3-3.1 s at N=16
// and 3.1-3.3 s at N=48; join converged in 110-190 ms at N=16-48; no false death in 10 minutes
// of N=100 at 10% loss.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/keyring.h"
#include "common/result.h"

namespace shoal::membership {

struct Config {
  // --- failure detection (SWIM) ---

  // Time between two probes of this node (one random member per round, round-robin over a
  // shuffled list). Scaled by Lifeguard: effective = probe_interval_ms * (health_score + 1).
  // Shorter = faster detection (the suspicion minimum below is proportional to it), more probe
  // traffic (2 packets per interval per node, constant in N). 400 ms, measured in the simulator
  // (0.2-2 ms latency, suspicion_mult 4): failure detected by every node in 2.3-3.0 s at N=16
  // and 3.1-3.3 s at N=48 (serf: 6.1-7.3 s and 8.6-11.7 s); 500 ms gave 3.3-4.3 s at N=16,
  // missing the 0.5x target. A probe plus its indirect round still fits: 2 * timeout <= interval.
  std::uint64_t probe_interval_ms = 400;

  // How long to wait for a direct ack before asking `indirect_checks` peers to probe. Also the
  // time a ping-req relay waits before answering with a nack. Scaled by (health_score + 1).
  // Must leave room in the probe interval for the indirect round (probe_timeout_ms * 2 <
  // probe_interval_ms). 200 ms: LAN RTTs are sub-millisecond, so this only has to absorb a
  // stalled process (GC-free C++; a descheduled thread on a loaded host is ~10-100 ms).
  // memberlist uses 500 ms for 1 s probes; the same 2x ratio of interval to timeout leaves
  // the second half of the interval to the indirect round and its nacks.
  std::uint64_t probe_timeout_ms = 200;

  // Number of peers asked to ping the target when the direct ping fails (SWIM's k). More =
  // fewer false suspicions under loss (probability all k paths fail shrinks geometrically),
  // more packets per failed probe. 3: memberlist's default; at 10% loss one failed probe stays
  // unconfirmed with probability ~0.19 * 0.34^3 = 0.0075, and suspicion absorbs the rest.
  std::uint32_t indirect_checks = 3;

  // --- suspicion (Lifeguard dynamic timeout, memberlist suspicion.go) ---

  // min_timeout = suspicion_mult * max(1, log10(N)) * probe_interval_ms;
  // max_timeout = suspicion_max_timeout_mult * min_timeout;
  // timeout(C) = max(min, max - (max - min) * log(C + 1) / log(K + 1)), where C = independent
  // confirmations received and K = suspicion_mult - 2 (0 when N - 2 < K: then timeout = min).
  // Larger mult = more time to refute (fewer false deaths), slower detection. 4: memberlist's
  // default; with 400 ms probes min is 1.9 s at N=16 and 3.2 s at N=100, ample time for a suspect
  // message to reach the node and its refutation to spread back (measured: ~150 ms to reach
  // 98 of 100 nodes). 3 would detect ~0.5 s faster but halves the slack for slow refutations.
  std::uint32_t suspicion_mult = 4;

  // Upper bound of the suspicion timeout, as a multiple of the minimum. A lone suspicion (no
  // confirmation) waits this long, which is what makes a single lossy or slow prober harmless.
  // 6: memberlist's default (Lifeguard paper suggests 5-6).
  std::uint32_t suspicion_max_timeout_mult = 6;

  // --- dissemination ---

  // Each queued broadcast is sent at most retransmit_mult * ceil(log10(N + 1)) times
  // (memberlist's retransmitLimit). Higher = more redundancy against loss, more bytes. 4:
  // memberlist uses 4. Measured: with 4 (12 sends per node at N=100), 10% loss and ~1,100
  // false suspicions per 10 minutes, a refutation occasionally missed one node for the whole
  // max suspicion timeout (2 false deaths in 2 ten-minute runs; the miss probability is about
  // e^-(sends * 0.9) per node per refutation). 6 (18 sends) gave zero in 6 runs, expected
  // ~0.01 per run, for +14% packets. Since then the core also corrects stale accusers directly
  // (swim.cc correct_stale / reannounce_self), which alone gave zero in 6 runs with 4; 6 keeps
  // both safety margins.
  std::uint32_t retransmit_mult = 6;

  // Retransmit multiplier for user payloads (broadcast_user), kept apart so the CRDT layer can
  // trade bytes for reach independently of membership messages. 4: same reasoning as above.
  std::uint32_t user_retransmit_mult = 4;

  // Time between gossip rounds; each round sends queued broadcasts to `gossip_nodes` random
  // members (nothing is sent when the queue is empty). Shorter = faster spread, more packets
  // while something is queued. 100 ms: half memberlist's 200 ms; dissemination takes about
  // log_fanout(N) rounds, so a join reaches 48 nodes in ~3 rounds = ~0.3 s. A node whose queue
  // was empty gossips at once when news arrives (its timer is overdue), then at most once per
  // interval: news travels hop by hop at network speed, and an idle node never wakes for gossip.
  std::uint64_t gossip_interval_ms = 100;

  // Fan-out of each gossip round. Higher = fewer rounds (log base grows), more bytes. 4:
  // memberlist's WAN value (LAN uses 3); one more peer per round cuts the rounds to reach
  // 10,000 nodes from ~8.4 to ~6.6 for 33% more gossip packets.
  std::uint32_t gossip_nodes = 4;

  // Keep gossiping to nodes marked failed or left for this long, so a falsely declared node
  // still hears about it and refutes (memberlist GossipToTheDeadTime). 30 s: memberlist's LAN
  // default; longer costs only a few packets to dead addresses.
  std::uint64_t gossip_to_the_dead_ms = 30'000;

  // --- anti-entropy ---

  // Period of the full state exchange with one random member (a reliable/TCP message). Scaled
  // up for large clusters as memberlist's pushPullScale: x(ceil(log2 N - log2 32) + 1) above 32
  // nodes, so the total push-pull load stays roughly flat. Shorter = faster repair of missed
  // gossip and of CRDT state, more bytes (the message carries the whole member list). 30 s:
  // memberlist's default; gossip does the fast path, push-pull is the safety net. Each round
  // also sends one push-pull to a random failed member (serf's reconnect), so views merge
  // after a partition heals.
  std::uint64_t push_pull_interval_ms = 30'000;

  // --- Lifeguard local health awareness (memberlist awareness.go) ---

  // The health score ranges 0..awareness_max_multiplier-1; probe interval and timeout are
  // multiplied by (score + 1). Up by one per missed nack / failed probe without nackers and
  // per refuted suspicion of ourselves; down by one per successful probe. 8: memberlist's
  // default, so a sick node slows to at most 8x (4 s probes) and stops accusing healthy peers.
  std::uint32_t awareness_max_multiplier = 8;

  // --- clocks ---

  // A peer whose wall clock is estimated (from probe round trips) to be more than this ahead of
  // or behind ours raises Event::kClockOffset on this node (the agent logs it; `shoal members`
  // shows every offset). Membership itself works at any offset: replay protection uses no wall
  // clock. 5,000 ms: equal to the CRDT's max_clock_offset_ms (common/hlc.h), so the warning
  // fires exactly when that peer's timestamps stop being adopted by our hybrid logical clock.
  std::uint64_t clock_offset_warn_ms = 5'000;

  // --- bounds ---

  // Largest UDP datagram we send, after sealing. The plaintext budget is this minus
  // kSealOverheadBytes (53). 1400: stays below a 1500-byte Ethernet MTU with IPv6 (40) + UDP
  // (8) headers and a VXLAN/tunnel encapsulation (~50) to spare; memberlist uses 1400 too.
  std::size_t udp_payload_max_bytes = 1400;

  // Largest encoded NodeMeta; update_meta / create fail beyond it. 512: memberlist's
  // MetaMaxSize; an alive message (meta + ~100 bytes) then still fits in one packet.
  std::size_t meta_max_bytes = 512;

  // Most broadcasts kept queued; beyond it the most-transmitted are dropped first (they have
  // spread the most). 4096: serf's default max queue depth; one full probe round of a
  // 4096-node cluster's alive messages.
  std::size_t broadcast_queue_max = 4096;

  // Ids of user broadcasts remembered for de-duplication (each is delivered and re-gossiped
  // once). Forgetting one early only means it may be delivered again; CRDT deltas are
  // idempotent. 16384 ids = ~0.4 MiB.
  std::size_t user_seen_max = 16384;

  // Most members remembered (any status). Alive messages about new nodes beyond it are dropped
  // and counted as oversized, so a confused or malicious peer cannot grow memory without bound.
  // 65536: the largest member list a push-pull message may carry (DecodeLimits::max_array).
  std::size_t members_max = 65536;

  // Most ping-req relays in flight (we probe a target for another node). A flood of ping-reqs
  // cannot grow memory beyond it; extra requests are ignored (the requester sees a missed nack).
  std::size_t relay_max = 1024;

  // Failed and left members stay in the member list (visible in members(), and gossiped to for
  // gossip_to_the_dead_ms) for this long, then are forgotten. 24 h: serf's reconnect/tombstone
  // timeouts; an operator sees a failed node for a day, and memory is bounded by cluster churn.
  std::uint64_t dead_member_retention_ms = 24ULL * 3600 * 1000;

  // Plaintext bytes available per UDP packet.
  std::size_t packet_budget_bytes() const { return udp_payload_max_bytes - kSealOverheadBytes; }
};

Config lan_config();    // the defaults above
Config wan_config();    // long RTTs and loss across sites: slower, more patient
Config local_config();  // all nodes on one host (loopback): faster, fewer indirect checks

// Rejects combinations that cannot work (zero intervals, a probe timeout that leaves no time for
// the indirect round, a packet budget too small for one message). The message says which field.
shoal::Status validate(const Config& config);

}  // namespace shoal::membership
