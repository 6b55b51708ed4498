// Lifeguard local health awareness (memberlist awareness.go). A node that misses its own acks
// and nacks is more likely the sick one (CPU starved, dropping packets) than its peers; it
// raises its health score and stretches its probe interval and timeout by (score + 1), so it
// accuses others less and gives their answers more time.
#pragma once

#include <algorithm>
#include <cstdint>

#include "common/result.h"

namespace shoal::membership {

class Awareness {
 public:
  // Score ranges 0..max_multiplier-1; max_multiplier >= 1.
  explicit Awareness(std::uint32_t max_multiplier) : max_(static_cast<int>(max_multiplier)) {
    SHOAL_ASSERT(max_multiplier >= 1);
  }

  // +1 per missed nack or refuted suspicion of self, -1 per successful probe; clamped.
  void apply_delta(int delta) { score_ = std::clamp(score_ + delta, 0, max_ - 1); }

  int score() const { return score_; }

  // duration * (score + 1)
  std::uint64_t scale_ms(std::uint64_t duration_ms) const {
    return duration_ms * static_cast<std::uint64_t>(score_ + 1);
  }

 private:
  int max_;
  int score_ = 0;
};

}  // namespace shoal::membership
