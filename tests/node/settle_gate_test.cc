#include "node/settle_gate.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal {
namespace {

TEST(SettleGate, ANodeExpectingNoPeersActsAtOnce) {
  SettleGate g(false, 1000, 5000);
  EXPECT_TRUE(g.settled(1000, 0));
  EXPECT_EQ(g.why(), SettleGate::Why::kAlone);
}

TEST(SettleGate, WaitsForALivePeerAndACompleteSync) {
  SettleGate g(true, 1000, 5000);
  EXPECT_FALSE(g.settled(1000, 0));
  EXPECT_FALSE(g.settled(2000, 2));  // joined, but the state may still be the one on disk
  g.on_synced();
  EXPECT_FALSE(g.settled(2100, 0));  // a sync, but nobody alive any more: keep waiting
  EXPECT_TRUE(g.settled(2200, 1));
  EXPECT_EQ(g.why(), SettleGate::Why::kSynced);
}

TEST(SettleGate, ActsOnWhatItKnowsAfterTheTimeout) {
  SettleGate g(true, 1000, 5000);
  EXPECT_FALSE(g.settled(5999, 0));
  EXPECT_TRUE(g.settled(6000, 0));
  EXPECT_EQ(g.why(), SettleGate::Why::kTimedOut);
}

TEST(SettleGate, StaysSettled) {
  SettleGate g(true, 0, 10);
  g.on_synced();
  ASSERT_TRUE(g.settled(5, 1));
  EXPECT_TRUE(g.settled(6, 0));  // a later partition does not close it again
  EXPECT_TRUE(g.is_settled());
}

// Whatever happens, the gate is open by the deadline and never closes once open.
RC_GTEST_PROP(SettleGate, OpenByTheDeadlineAndLatched, (bool expect, std::vector<std::pair<std::uint16_t, std::uint8_t>> steps)) {
  const std::uint64_t start = 100, timeout = 5000;
  SettleGate g(expect, start, timeout);
  std::uint64_t now = start;
  bool open = false;
  for (auto [dt, what] : steps) {
    now += dt;
    if (what % 3 == 0) g.on_synced();
    bool s = g.settled(now, what % 2);
    RC_ASSERT(!(open && !s));
    if (now >= start + timeout || !expect) RC_ASSERT(s);
    open = s;
  }
}

}  // namespace
}  // namespace shoal
