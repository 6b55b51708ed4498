#include "image/retry_policy.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal::image {
namespace {

using K = RegistryErrorKind;

TEST(RetryPolicy, Table) {
  const RetryConfig cfg;  // 4 attempts, 500 ms doubling, 8 s cap
  struct Case {
    std::uint32_t attempt;
    K kind;
    RetryDecision want;
  };
  const std::vector<Case> cases = {
      {1, K::kUnreachable, {true, 500}},
      {2, K::kUnreachable, {true, 1000}},
      {3, K::kUnreachable, {true, 2000}},
      {4, K::kUnreachable, {false, 0}},  // attempts exhausted
      {1, K::kServerError, {true, 500}},
      {1, K::kDigestMismatch, {true, 500}},
      {1, K::kAuthFailed, {false, 0}},  // the auth dance already retried once
      {1, K::kNotFound, {false, 0}},
      {1, K::kTooLarge, {false, 0}},
      {1, K::kBadResponse, {false, 0}},
      {1, K::kLocalIo, {false, 0}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(decide_retry(cfg, c.attempt, c.kind), c.want)
        << "attempt " << c.attempt << " " << kind_name(c.kind);
  }
}

TEST(RetryPolicy, DelayIsCapped) {
  RetryConfig cfg{.max_attempts = 100, .initial_delay_ms = 500, .max_delay_ms = 8000};
  EXPECT_EQ(decide_retry(cfg, 5, K::kUnreachable), (RetryDecision{true, 8000}));
  EXPECT_EQ(decide_retry(cfg, 60, K::kUnreachable), (RetryDecision{true, 8000}));
}

// Laws: delays never decrease with the attempt, never exceed the cap, and the number of
// retries is bounded by max_attempts - 1.
RC_GTEST_PROP(RetryPolicy, BackoffIsMonotoneCappedAndBounded,
              (std::uint8_t max_attempts, std::uint16_t initial, std::uint16_t cap)) {
  RetryConfig cfg{.max_attempts = max_attempts, .initial_delay_ms = initial, .max_delay_ms = cap};
  std::uint32_t previous = 0;
  std::uint32_t retries = 0;
  for (std::uint32_t attempt = 1; attempt <= 300; ++attempt) {
    auto d = decide_retry(cfg, attempt, K::kUnreachable);
    if (!d.retry) break;
    ++retries;
    RC_ASSERT(d.delay_ms >= previous);
    RC_ASSERT(d.delay_ms <= cap);
    previous = d.delay_ms;
  }
  RC_ASSERT(retries + 1 <= std::max<std::uint32_t>(1, max_attempts));
}

}  // namespace
}  // namespace shoal::image
