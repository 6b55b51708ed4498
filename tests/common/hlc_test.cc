#include "common/hlc.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal {

TEST(Hlc, TickFollowsWallClockAndCountsWithinAMillisecond) {
  HybridLogicalClock c;
  EXPECT_EQ(c.tick(100), (HlcTimestamp{100, 0}));
  EXPECT_EQ(c.tick(100), (HlcTimestamp{100, 1}));
  EXPECT_EQ(c.tick(90), (HlcTimestamp{100, 2}));  // clock went backwards: still monotonic
  EXPECT_EQ(c.tick(101), (HlcTimestamp{101, 0}));
}

TEST(Hlc, ObserveOrdersLaterEventsAfterRemote) {
  HybridLogicalClock c;
  c.tick(100);
  auto t = c.observe({500, 7}, 120);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, (HlcTimestamp{500, 8}));
  EXPECT_GT(c.tick(130), *t);
}

TEST(Hlc, RemoteFarAheadIsNotAdoptedAndCounted) {
  HybridLogicalClock c(5'000);
  c.tick(1'000'000);
  const HlcTimestamp year_ahead{1'000'000 + 365ull * 24 * 3600 * 1000, 0};
  EXPECT_FALSE(c.observe(year_ahead, 1'000'010).has_value());
  EXPECT_EQ(c.last(), (HlcTimestamp{1'000'000, 0}));  // unchanged
  EXPECT_EQ(c.rejected_remote(), 1u);
  EXPECT_TRUE(c.observe({1'005'010, 0}, 1'000'010).has_value());  // exactly at the bound: adopted
  EXPECT_FALSE(c.observe({1'005'011, 0}, 1'000'010).has_value());
  EXPECT_EQ(c.rejected_remote(), 2u);
  EXPECT_EQ(c.max_clock_offset_ms(), 5'000u);
}

TEST(Hlc, NodeAt1970StillOrdersAfterWhatItSees) {
  // A node booted without an RTC: its physical clock reads ~0. Remote timestamps from 2026 are
  // far "ahead" and not adopted, but its own ticks still increase.
  HybridLogicalClock c;
  EXPECT_FALSE(c.observe({1'764'000'000'000, 0}, 5'000).has_value());
  EXPECT_EQ(c.tick(5'001), (HlcTimestamp{5'001, 0}));
  EXPECT_EQ(c.tick(5'001), (HlcTimestamp{5'001, 1}));
}

TEST(Hlc, BoundDoesNotOverflow) {
  HybridLogicalClock c(UINT64_MAX);
  EXPECT_TRUE(c.observe({UINT64_MAX - 1, 0}, 10).has_value());
}

TEST(Hlc, RestoreNeverGoesBack) {
  HybridLogicalClock c;
  c.restore({1000, 3});
  EXPECT_GT(c.tick(10), (HlcTimestamp{1000, 3}));
}

RC_GTEST_PROP(Hlc, EveryEventIsStrictlyLaterThanEverythingSeen,
              (std::vector<std::pair<bool, std::uint32_t>> events)) {
  HybridLogicalClock c;
  HlcTimestamp prev{};
  std::uint64_t phys = 1000;
  for (auto [is_remote, v] : events) {
    phys += v % 5;  // physical time is monotone but may stall
    HlcTimestamp t;
    if (is_remote) {
      HlcTimestamp remote{phys + (v % 300) - 150, v % 4};
      auto adopted = c.observe(remote, phys);
      RC_ASSERT(adopted.has_value());  // within the default 5 s bound
      t = *adopted;
      RC_ASSERT(t > remote);
    } else {
      t = c.tick(phys);
    }
    RC_ASSERT(t > prev);
    RC_ASSERT(t.wall_ms >= phys);
    prev = t;
  }
}

// Laws with a bound: the clock is monotonic under any mix of ticks and remote timestamps
// (adopted or not), and remote input never carries it more than max offset past physical time.
RC_GTEST_PROP(Hlc, MonotonicAndNeverPulledBeyondTheBound,
              (std::vector<std::tuple<bool, std::uint32_t, std::uint32_t>> events)) {
  const std::uint64_t bound = *rc::gen::inRange<std::uint64_t>(0, 20'000);
  HybridLogicalClock c(bound);
  HlcTimestamp prev{};
  std::uint64_t phys = 1'000'000;
  std::uint64_t highest_local = 0;  // largest wall_ms a local tick produced
  for (auto [is_remote, step, ahead] : events) {
    phys += step % 50;
    if (is_remote) {
      // Anything from far behind to years ahead.
      const std::uint64_t skew = std::uint64_t{ahead} * (ahead % 3 == 0 ? 1 : 100'000);
      HlcTimestamp remote{phys - 500'000 + skew, ahead % 7};
      auto before = c.last();
      auto adopted = c.observe(remote, phys);
      if (adopted) {
        RC_ASSERT(*adopted > remote);
        RC_ASSERT(*adopted > before);
      } else {
        RC_ASSERT(remote.wall_ms > phys + bound);
        RC_ASSERT(c.last() == before);
      }
    } else {
      HlcTimestamp t = c.tick(phys);
      RC_ASSERT(t > prev);
      highest_local = std::max(highest_local, t.wall_ms);
    }
    RC_ASSERT(c.last() >= prev);
    RC_ASSERT(c.last().wall_ms <= std::max(phys + bound, highest_local));
    prev = c.last();
  }
}

}  // namespace shoal
