#include "membership/broadcast_queue.h"

#include <cmath>

#include "common/result.h"

namespace shoal::membership {

std::uint32_t retransmit_limit(std::uint32_t mult, std::size_t n) {
  const double scale = std::ceil(std::log10(static_cast<double>(n) + 1.0));
  return mult * static_cast<std::uint32_t>(scale);
}

void BroadcastQueue::erase_key(const std::string& key) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  items_.erase(it->second);
  by_key_.erase(it);
}

void BroadcastQueue::enqueue(const std::string& key, Bytes message, std::uint32_t transmit_mult) {
  if (!key.empty()) erase_key(key);
  const Rank rank{0, ~next_id_++};
  items_.emplace(rank, Item{key, std::move(message), transmit_mult});
  if (!key.empty()) by_key_[key] = rank;
  while (items_.size() > max_items_) {
    auto last = std::prev(items_.end());
    if (!last->second.key.empty()) by_key_.erase(last->second.key);
    items_.erase(last);
    ++dropped_;
  }
}

std::vector<Bytes> BroadcastQueue::take(std::size_t budget_bytes, std::size_t per_message_overhead,
                                        std::size_t n) {
  std::vector<Bytes> out;
  std::vector<std::pair<Rank, Item>> resend;  // reinserted with one more transmit
  std::size_t used = 0;
  for (auto it = items_.begin(); it != items_.end() && used + per_message_overhead < budget_bytes;) {
    const std::size_t cost = it->second.message.size() + per_message_overhead;
    if (used + cost > budget_bytes) {
      ++it;
      continue;
    }
    used += cost;
    Rank rank = it->first;
    Item item = std::move(it->second);
    it = items_.erase(it);
    out.push_back(item.message);
    ++rank.transmits;
    if (rank.transmits >= retransmit_limit(item.transmit_mult, n)) {
      if (!item.key.empty()) by_key_.erase(item.key);
    } else {
      resend.emplace_back(rank, std::move(item));
    }
  }
  for (auto& [rank, item] : resend) {
    if (!item.key.empty()) by_key_[item.key] = rank;
    items_.emplace(rank, std::move(item));
  }
  SHOAL_ASSERT(items_.size() <= max_items_);
  return out;
}

}  // namespace shoal::membership
