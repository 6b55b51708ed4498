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
  EXPECT_EQ(t, (HlcTimestamp{500, 8}));
  EXPECT_GT(c.tick(130), t);
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
      t = c.observe(remote, phys);
      RC_ASSERT(t > remote);
    } else {
      t = c.tick(phys);
    }
    RC_ASSERT(t > prev);
    RC_ASSERT(t.wall_ms >= phys);
    prev = t;
  }
}

}  // namespace shoal
