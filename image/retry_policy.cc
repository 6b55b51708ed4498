#include "image/retry_policy.h"

#include <algorithm>

namespace shoal::image {
namespace {

bool is_transient(RegistryErrorKind kind) {
  switch (kind) {
    case RegistryErrorKind::kUnreachable:
    case RegistryErrorKind::kServerError:
    case RegistryErrorKind::kDigestMismatch:
      return true;
    case RegistryErrorKind::kAuthFailed:
    case RegistryErrorKind::kNotFound:
    case RegistryErrorKind::kTooLarge:
    case RegistryErrorKind::kBadResponse:
    case RegistryErrorKind::kLocalIo:
      return false;
  }
  return false;
}

}  // namespace

RetryDecision decide_retry(const RetryConfig& config, std::uint32_t attempt,
                           RegistryErrorKind last_error) {
  SHOAL_ASSERT(attempt >= 1);
  if (!is_transient(last_error) || attempt >= config.max_attempts) return RetryDecision{};
  // initial * 2^(attempt-1), computed in 64 bits with the exponent bounded so it cannot overflow.
  std::uint64_t delay = config.initial_delay_ms;
  std::uint32_t doublings = std::min<std::uint32_t>(attempt - 1, 32);
  delay <<= doublings;
  delay = std::min<std::uint64_t>(delay, config.max_delay_ms);
  return RetryDecision{true, static_cast<std::uint32_t>(delay)};
}

}  // namespace shoal::image
