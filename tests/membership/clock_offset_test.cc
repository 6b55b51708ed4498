#include "membership/clock_offset.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal::membership {
namespace {

TEST(ClockOffset, SampleIsTheirWallMinusOurMidpoint) {
  // We sent at our 1000, got the answer at our 1010 (rtt 10); they answered at their 301005.
  EXPECT_EQ(ClockOffset::sample_offset_ms(301'005, 1'010, 10), 300'000);
  EXPECT_EQ(ClockOffset::sample_offset_ms(5, 1'764'000'000'000, 0), 5 - 1'764'000'000'000LL);  // a node at 1970
}

TEST(ClockOffset, SmoothsJitterAndFollowsAStepAfterTwoSamples) {
  ClockOffset c;
  EXPECT_FALSE(c.offset_ms().has_value());
  c.add_sample(100);
  EXPECT_EQ(*c.offset_ms(), 100);
  c.add_sample(140);
  EXPECT_EQ(*c.offset_ms(), 110);  // a quarter of the way
  c.add_sample(300'000);           // one far sample: could be a delayed ack, held back
  EXPECT_EQ(*c.offset_ms(), 110);
  c.add_sample(300'010);           // a second one agrees: the clock was set
  EXPECT_EQ(*c.offset_ms(), 300'010);
}

TEST(ClockOffset, WarnsOnceBeyondAndClearsBelowHalf) {
  ClockOffset c;
  EXPECT_EQ(c.update_warning(5'000), ClockOffset::Crossing::kNone);  // no sample yet
  c.add_sample(-300'000);
  EXPECT_EQ(c.update_warning(5'000), ClockOffset::Crossing::kBeyond);
  EXPECT_EQ(c.update_warning(5'000), ClockOffset::Crossing::kNone);
  c.add_sample(3'000);
  c.add_sample(3'000);  // NTP fixed it: follows the step
  EXPECT_EQ(c.update_warning(5'000), ClockOffset::Crossing::kNone);  // 3 s: not yet below half
  for (int i = 0; i < 20; ++i) c.add_sample(0);
  EXPECT_EQ(c.update_warning(5'000), ClockOffset::Crossing::kWithin);
}

// Law: with jitter bounded by J around a true offset, the estimate stays within J of it.
RC_GTEST_PROP(ClockOffset, EstimateStaysWithinTheJitter, (std::vector<std::int16_t> jitter)) {
  const std::int64_t truth = *rc::gen::inRange<std::int64_t>(-100'000'000'000, 100'000'000'000);
  ClockOffset c;
  c.add_sample(truth);
  for (std::int16_t j : jitter) {
    const std::int64_t noise = j % 500;
    c.add_sample(truth + noise);
    RC_ASSERT(std::llabs(*c.offset_ms() - truth) <= 500);
  }
}

}  // namespace
}  // namespace shoal::membership
