#include "membership/suspicion.h"

#include <algorithm>
#include <cmath>

namespace shoal::membership {

std::uint64_t suspicion_min_timeout_ms(std::uint32_t suspicion_mult, std::size_t n,
                                       std::uint64_t probe_interval_ms) {
  const double node_scale = std::max(1.0, std::log10(std::max<double>(1.0, static_cast<double>(n))));
  return static_cast<std::uint64_t>(suspicion_mult * node_scale * static_cast<double>(probe_interval_ms));
}

std::uint32_t suspicion_expected_confirmations(std::uint32_t suspicion_mult, std::size_t n) {
  const std::uint32_t k = suspicion_mult >= 2 ? suspicion_mult - 2 : 0;
  // n - 2: everyone but us and the suspect can confirm.
  if (n < 2 || n - 2 < k) return 0;
  return k;
}

std::uint64_t suspicion_timeout_ms(std::uint32_t confirmations, std::uint32_t expected,
                                   std::uint64_t min_ms, std::uint64_t max_ms) {
  if (expected < 1 || max_ms <= min_ms) return min_ms;
  const double frac = std::log(confirmations + 1.0) / std::log(expected + 1.0);
  const double raw = static_cast<double>(max_ms) - frac * static_cast<double>(max_ms - min_ms);
  const double floored = std::floor(raw);
  return std::max<std::uint64_t>(min_ms, floored <= 0 ? 0 : static_cast<std::uint64_t>(floored));
}

Suspicion::Suspicion(std::string first_accuser, std::uint32_t expected, std::uint64_t min_ms,
                     std::uint64_t max_ms, std::uint64_t start_ms)
    : expected_(expected), min_ms_(min_ms), max_ms_(std::max(min_ms, max_ms)), start_ms_(start_ms) {
  accusers_.push_back(std::move(first_accuser));
  deadline_ms_ = start_ms_ + suspicion_timeout_ms(0, expected_, min_ms_, max_ms_);
}

bool Suspicion::confirm(const std::string& accuser) {
  if (confirmations_ >= expected_) return false;
  if (std::find(accusers_.begin(), accusers_.end(), accuser) != accusers_.end()) return false;
  accusers_.push_back(accuser);
  ++confirmations_;
  deadline_ms_ = start_ms_ + suspicion_timeout_ms(confirmations_, expected_, min_ms_, max_ms_);
  return true;
}

}  // namespace shoal::membership
