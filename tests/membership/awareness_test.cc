#include "membership/awareness.h"

#include <gtest/gtest.h>

namespace shoal::membership {
namespace {

// memberlist's TestAwareness table (max multiplier 8, 1 s base timeout).
TEST(Awareness, MatchesMemberlistTable) {
  struct Case {
    int delta;
    int score;
    std::uint64_t timeout_ms;
  };
  Awareness a(8);
  for (const Case& c : {Case{0, 0, 1000}, Case{-1, 0, 1000}, Case{-10, 0, 1000}, Case{1, 1, 2000},
                        Case{-1, 0, 1000}, Case{10, 7, 8000}, Case{-1, 6, 7000}, Case{-1, 5, 6000},
                        Case{-1, 4, 5000}, Case{-1, 3, 4000}, Case{-1, 2, 3000}, Case{-1, 1, 2000},
                        Case{-1, 0, 1000}, Case{-1, 0, 1000}}) {
    a.apply_delta(c.delta);
    EXPECT_EQ(a.score(), c.score) << "after delta " << c.delta;
    EXPECT_EQ(a.scale_ms(1000), c.timeout_ms);
  }
}

TEST(Awareness, MaxOneNeverScales) {
  Awareness a(1);
  a.apply_delta(5);
  EXPECT_EQ(a.score(), 0);
  EXPECT_EQ(a.scale_ms(400), 400u);
}

}  // namespace
}  // namespace shoal::membership
