#include "crdt/anti_entropy.h"

namespace shoal::crdt {

AntiEntropy::AntiEntropy(CrdtConfig config, std::uint64_t seed, std::uint64_t now_ms)
    : config_(config), rng_(seed), next_round_ms_(now_ms + config.anti_entropy_interval_ms) {
  SHOAL_ASSERT(config_.anti_entropy_interval_ms > 0);
}

std::optional<SyncRequest> AntiEntropy::poll(std::uint64_t now_ms, const DesiredState& mine,
                                             const std::vector<NodeId>& live_peers) {
  if (now_ms < next_round_ms_) return std::nullopt;
  next_round_ms_ = now_ms + config_.anti_entropy_interval_ms;
  if (live_peers.empty()) return std::nullopt;
  const NodeId& peer = live_peers[rng_.below(live_peers.size())];
  return SyncRequest{peer, digest(mine)};
}

Digest AntiEntropy::digest(const DesiredState& mine) const {
  return make_digest(mine, config_.digest_buckets);
}

DesiredState AntiEntropy::on_digest(const NodeId& peer, const Digest& digest,
                                    const DesiredState& mine) {
  peer_seen_[peer] = digest.seen;
  return delta_for_peer(mine, digest);
}

GcStats AntiEntropy::collect_garbage(DesiredState& state, const std::vector<NodeId>& live_peers,
                                     std::uint64_t now_ms) const {
  std::vector<CausalContext> live_seen{state.seen};
  for (const auto& peer : live_peers) {
    auto it = peer_seen_.find(peer);
    if (it == peer_seen_.end()) {
      live_seen.clear();  // unknown member: cannot prove everyone has seen anything
      break;
    }
    live_seen.push_back(it->second);
  }
  return crdt::collect_garbage(state, live_seen, now_ms, config_.tombstone_horizon_ms);
}

}  // namespace shoal::crdt
