// Drops replayed packets. A sealed packet carries its send time and a random nonce, both
// authenticated. A packet is accepted once: its nonce must be new and its send time within
// `window_ms` of our clock. Nonces are remembered for the window only, and at most
// `max_entries` of them (oldest forgotten first), so memory is bounded whatever the traffic;
// forgetting early only narrows the window, it never accepts a packet twice within the
// remembered set. Sans-IO: the caller passes `now_ms`.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <unordered_set>

namespace shoal {

struct ReplayFilterConfig {
  // Clock skew plus network delay we tolerate. 30 s matches the default push-pull period,
  // generous for NTP-synced hosts; a replay older than this is refused by timestamp alone.
  std::uint64_t window_ms = 30'000;
  // ~1.6 MiB at the bound; 65536 packets per window is ~2,000 packets/s for 30 s.
  std::size_t max_entries = 65536;
};

class ReplayFilter {
 public:
  explicit ReplayFilter(ReplayFilterConfig config = {}) : config_(config) {}

  // True if the packet is fresh (and now remembered); false if replayed or out of window.
  bool accept(const std::array<std::uint8_t, 24>& nonce, std::uint64_t sent_ms, std::uint64_t now_ms);

  std::size_t size() const { return seen_.size(); }

 private:
  struct Entry {
    std::uint64_t sent_ms;
    std::uint64_t key;
  };
  void expire(std::uint64_t now_ms);

  ReplayFilterConfig config_;
  std::deque<Entry> order_;               // insertion order, for expiry
  std::unordered_set<std::uint64_t> seen_;  // 64 bits of each nonce (random: collisions ~2^-32 at the bound)
};

}  // namespace shoal
