#include "crdt/tombstone_gc.h"

#include <algorithm>

namespace shoal::crdt {
namespace {

struct Verdict {
  const std::vector<CausalContext>& live_seen;
  std::uint64_t now_ms;
  std::uint64_t horizon_ms;
  GcStats& stats;

  // Should the tombstone made by event `by` at `at` go? Counts why.
  bool drop(const Dot& by, const HlcTimestamp& at) {
    bool all = !live_seen.empty() &&
               std::all_of(live_seen.begin(), live_seen.end(),
                           [&](const CausalContext& cc) { return cc.contains(by); });
    if (all) {
      ++stats.seen_by_all;
      return true;
    }
    if (now_ms >= horizon_ms && at.wall_ms <= now_ms - horizon_ms) {
      ++stats.expired;
      return true;
    }
    return false;
  }
};

}  // namespace

GcStats collect_garbage(DesiredState& state, const std::vector<CausalContext>& live_seen,
                        std::uint64_t now_ms, std::uint64_t horizon_ms) {
  GcStats stats;
  Verdict verdict{live_seen, now_ms, horizon_ms, stats};
  auto& services = state.services.entries;
  for (auto it = services.begin(); it != services.end();) {
    auto& removed = it->second.removed;
    std::erase_if(removed, [&](const auto& kv) {
      return verdict.drop(kv.second.removed_by, kv.second.at);
    });
    it = it->second.live.empty() && removed.empty() ? services.erase(it) : std::next(it);
  }
  auto& writers = state.tasks.writers;
  for (auto w = writers.begin(); w != writers.end();) {
    std::erase_if(w->second, [&](const auto& kv) {
      const auto& entry = kv.second;
      return !entry.value && verdict.drop(Dot{w->first, entry.counter}, entry.at);
    });
    w = w->second.empty() ? writers.erase(w) : std::next(w);
  }
  return stats;
}

}  // namespace shoal::crdt
