#include "membership/suspicion.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal::membership {
namespace {

// The table of memberlist's TestSuspicion_remainingSuspicionTime (min 2 s, max 30 s, k = 3),
// as total timeouts.
TEST(SuspicionTimeout, MatchesMemberlistTable) {
  struct Case {
    std::uint32_t confirmations;
    std::uint64_t want_ms;
  };
  for (const Case& c : {Case{0, 30'000}, Case{1, 16'000}, Case{2, 7'810}, Case{3, 2'000}, Case{4, 2'000},
                        Case{5, 2'000}}) {
    EXPECT_EQ(suspicion_timeout_ms(c.confirmations, 3, 2'000, 30'000), c.want_ms) << c.confirmations;
  }
}

TEST(SuspicionTimeout, NoExpectedConfirmationsMeansMinimum) {
  EXPECT_EQ(suspicion_timeout_ms(0, 0, 2'000, 30'000), 2'000u);
}

TEST(SuspicionMinTimeout, ScalesWithLog10OfClusterSize) {
  EXPECT_EQ(suspicion_min_timeout_ms(4, 1, 400), 1'600u);     // log10 floored at 1
  EXPECT_EQ(suspicion_min_timeout_ms(4, 10, 400), 1'600u);
  EXPECT_EQ(suspicion_min_timeout_ms(4, 16, 400), 1'926u);    // 4 * 1.204 * 400
  EXPECT_EQ(suspicion_min_timeout_ms(4, 100, 400), 3'200u);
  EXPECT_EQ(suspicion_min_timeout_ms(4, 1000, 1000), 12'000u);
}

TEST(SuspicionExpectedConfirmations, IsMultMinusTwoWhenEnoughNodes) {
  EXPECT_EQ(suspicion_expected_confirmations(4, 16), 2u);
  EXPECT_EQ(suspicion_expected_confirmations(4, 4), 2u);
  EXPECT_EQ(suspicion_expected_confirmations(4, 3), 0u);  // only one other could confirm
  EXPECT_EQ(suspicion_expected_confirmations(1, 100), 0u);
}

TEST(Suspicion, IndependentConfirmationsShrinkTheDeadline) {
  Suspicion s("a", 3, 2'000, 30'000, 100);
  EXPECT_EQ(s.deadline_ms(), 30'100u);
  EXPECT_FALSE(s.confirm("a"));  // the first accuser is not a confirmation
  EXPECT_TRUE(s.confirm("b"));
  EXPECT_EQ(s.deadline_ms(), 16'100u);
  EXPECT_FALSE(s.confirm("b"));  // repeats do not count
  EXPECT_TRUE(s.confirm("c"));
  EXPECT_TRUE(s.confirm("d"));
  EXPECT_EQ(s.deadline_ms(), 2'100u);
  EXPECT_FALSE(s.confirm("e"));  // beyond k
  EXPECT_EQ(s.confirmations(), 3u);
}

RC_GTEST_PROP(Suspicion, TimeoutIsMonotoneAndBounded, ()) {
  const auto k = *rc::gen::inRange<std::uint32_t>(0, 10);
  const auto min_ms = *rc::gen::inRange<std::uint64_t>(1, 100'000);
  const auto max_ms = min_ms * *rc::gen::inRange<std::uint64_t>(1, 10);
  std::uint64_t prev = UINT64_MAX;
  for (std::uint32_t c = 0; c <= k + 2; ++c) {
    const std::uint64_t t = suspicion_timeout_ms(c, k, min_ms, max_ms);
    RC_ASSERT(t >= min_ms);
    RC_ASSERT(t <= max_ms);
    RC_ASSERT(t <= prev);
    prev = t;
  }
}

}  // namespace
}  // namespace shoal::membership
