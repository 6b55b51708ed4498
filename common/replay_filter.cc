#include "common/replay_filter.h"

#include <cstring>

namespace shoal {

bool ReplayFilter::accept(const std::array<std::uint8_t, 24>& nonce, std::uint64_t sent_ms,
                          std::uint64_t now_ms) {
  expire(now_ms);
  std::uint64_t lo = now_ms > config_.window_ms ? now_ms - config_.window_ms : 0;
  if (sent_ms < lo || sent_ms > now_ms + config_.window_ms) return false;
  std::uint64_t key;
  std::memcpy(&key, nonce.data(), sizeof key);
  if (!seen_.insert(key).second) return false;
  order_.push_back({sent_ms, key});
  if (order_.size() > config_.max_entries) {
    seen_.erase(order_.front().key);
    order_.pop_front();
  }
  return true;
}

void ReplayFilter::expire(std::uint64_t now_ms) {
  // Entries arrive roughly in time order; expiring from the front is enough to bound memory.
  while (!order_.empty() && order_.front().sent_ms + 2 * config_.window_ms < now_ms) {
    seen_.erase(order_.front().key);
    order_.pop_front();
  }
}

}  // namespace shoal
