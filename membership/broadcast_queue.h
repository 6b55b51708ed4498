// The piggyback queue (memberlist TransmitLimitedQueue). Membership updates and user payloads
// wait here and ride on every outgoing packet (pings, acks, gossip rounds) while room is left.
// Rules:
//  - each item is sent at most retransmit_limit(mult, N) = mult * ceil(log10(N + 1)) times,
//    enough for an epidemic to reach all N members with high probability (SWIM paper, 4.1);
//  - a newer item with the same key (messages about the same node) replaces the older one, so
//    stale state is never spread after fresher state;
//  - items sent the fewest times go first (they have spread least), newest first among equals;
//  - the queue holds at most max_items; beyond it the most-sent (oldest among equals) go.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/envelope.h"

namespace shoal::membership {

std::uint32_t retransmit_limit(std::uint32_t mult, std::size_t n);

class BroadcastQueue {
 public:
  explicit BroadcastQueue(std::size_t max_items) : max_items_(max_items) {}

  // key: empty = never invalidated (user payloads); otherwise replaces a queued item with the
  // same key. transmit_mult: the `mult` of this item's retransmit limit.
  void enqueue(const std::string& key, Bytes message, std::uint32_t transmit_mult);

  // Up to `budget_bytes` of messages, each costing its size + per_message_overhead, in queue
  // order; items that do not fit are skipped (a smaller later one may still fit). Counts one
  // transmit for each returned item and drops those that reach their limit for cluster size n.
  std::vector<Bytes> take(std::size_t budget_bytes, std::size_t per_message_overhead, std::size_t n);

  std::size_t size() const { return items_.size(); }
  bool contains(const std::string& key) const { return by_key_.count(key) != 0; }
  bool empty() const { return items_.empty(); }
  std::uint64_t dropped() const { return dropped_; }  // evicted by the max_items bound

 private:
  // Ordered by (transmits asc, id desc): begin() is the next to send.
  struct Rank {
    std::uint32_t transmits;
    std::uint64_t neg_id;  // ~id, so newer (larger id) sorts first
    auto operator<=>(const Rank&) const = default;
  };
  struct Item {
    std::string key;
    Bytes message;
    std::uint32_t transmit_mult;
  };

  void erase_key(const std::string& key);

  std::size_t max_items_;
  std::uint64_t next_id_ = 0;
  std::uint64_t dropped_ = 0;
  std::map<Rank, Item> items_;
  std::unordered_map<std::string, Rank> by_key_;  // lookup only; never iterated
};

}  // namespace shoal::membership
