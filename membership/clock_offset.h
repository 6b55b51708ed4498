// One peer's wall-clock offset, estimated from probe round trips (the NTP/Cristian method): the
// ack carries the responder's wall time `their_wall`; with our wall time at receipt `our_wall`
// and the round trip `rtt_ms` (from the monotonic clock), the peer's clock reads
//   offset = their_wall - (our_wall - rtt_ms / 2)
// ahead of ours, within +-rtt_ms / 2. Samples are smoothed (EWMA, weight 1/4: a lost or delayed
// ack moves the estimate little) except that a jump larger than kStepMs is taken at once after
// two samples agree on it (a clock being set, e.g. NTP syncing on an edge device: the estimate
// must follow in seconds, not minutes). Pure arithmetic; the SWIM core owns one per peer.
#pragma once

#include <cstdint>
#include <optional>

namespace shoal::membership {

class ClockOffset {
 public:
  // A step in the samples larger than this is a clock being set, not jitter.
  static constexpr std::int64_t kStepMs = 10'000;

  // Offset of one round trip (see above).
  static std::int64_t sample_offset_ms(std::uint64_t their_wall_ms, std::uint64_t our_wall_ms, std::uint64_t rtt_ms);

  void add_sample(std::int64_t offset_ms);
  std::optional<std::int64_t> offset_ms() const {
    return samples_ == 0 ? std::nullopt : std::optional<std::int64_t>(estimate_ms_);
  }

  // Threshold crossing with hysteresis: beyond once |offset| > warn_ms, back within once
  // |offset| < warn_ms / 2 (so an offset hovering at the threshold does not flap the warning).
  enum class Crossing : std::uint8_t { kNone, kBeyond, kWithin };
  Crossing update_warning(std::uint64_t warn_ms);
  bool warned() const { return warned_; }

 private:
  std::int64_t estimate_ms_ = 0;
  std::uint64_t samples_ = 0;
  std::optional<std::int64_t> pending_step_;  // one sample far from the estimate, awaiting a second
  bool warned_ = false;
};

}  // namespace shoal::membership
