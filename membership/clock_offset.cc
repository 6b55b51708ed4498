#include "membership/clock_offset.h"

#include <cstdlib>

namespace shoal::membership {

std::int64_t ClockOffset::sample_offset_ms(std::uint64_t their_wall_ms, std::uint64_t our_wall_ms,
                                           std::uint64_t rtt_ms) {
  const std::int64_t midpoint = static_cast<std::int64_t>(our_wall_ms) - static_cast<std::int64_t>(rtt_ms / 2);
  return static_cast<std::int64_t>(their_wall_ms) - midpoint;
}

void ClockOffset::add_sample(std::int64_t offset_ms) {
  if (samples_++ == 0) {
    estimate_ms_ = offset_ms;
    return;
  }
  if (std::llabs(offset_ms - estimate_ms_) > kStepMs) {
    // Two far samples that agree with each other: the clock was set; follow at once.
    if (pending_step_ && std::llabs(offset_ms - *pending_step_) <= kStepMs) {
      estimate_ms_ = offset_ms;
      pending_step_.reset();
    } else {
      pending_step_ = offset_ms;
    }
    return;
  }
  pending_step_.reset();
  estimate_ms_ += (offset_ms - estimate_ms_) / 4;
}

ClockOffset::Crossing ClockOffset::update_warning(std::uint64_t warn_ms) {
  if (samples_ == 0) return Crossing::kNone;
  const auto magnitude = static_cast<std::uint64_t>(std::llabs(estimate_ms_));
  if (!warned_ && magnitude > warn_ms) {
    warned_ = true;
    return Crossing::kBeyond;
  }
  if (warned_ && magnitude < warn_ms / 2) {
    warned_ = false;
    return Crossing::kWithin;
  }
  return Crossing::kNone;
}

}  // namespace shoal::membership
