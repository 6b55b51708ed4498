#include "membership/broadcast_queue.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>

namespace shoal::membership {
namespace {

Bytes msg(std::uint8_t tag, std::size_t size = 10) { return Bytes(size, tag); }

TEST(RetransmitLimit, FollowsMultTimesCeilLog10) {
  struct Case {
    std::uint32_t mult;
    std::size_t n;
    std::uint32_t want;
  };
  for (const Case& c : {Case{4, 0, 0}, Case{4, 1, 4}, Case{4, 9, 4}, Case{4, 10, 8}, Case{4, 99, 8},
                        Case{4, 100, 12}, Case{6, 100, 18}, Case{4, 999, 12}, Case{4, 1000, 16},
                        Case{4, 10000, 20}, Case{3, 16, 6}}) {
    EXPECT_EQ(retransmit_limit(c.mult, c.n), c.want) << "mult=" << c.mult << " n=" << c.n;
  }
}

TEST(BroadcastQueue, NewerMessageAboutSameKeyInvalidatesOlder) {
  BroadcastQueue q(100);
  q.enqueue("n1", msg(1), 4);
  q.enqueue("n2", msg(2), 4);
  q.enqueue("n1", msg(3), 4);
  EXPECT_EQ(q.size(), 2u);
  auto out = q.take(1000, 0, 10);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], msg(3));  // newest first
  EXPECT_EQ(out[1], msg(2));
}

TEST(BroadcastQueue, UnkeyedMessagesAreNeverInvalidated) {
  BroadcastQueue q(100);
  q.enqueue("", msg(1), 4);
  q.enqueue("", msg(2), 4);
  EXPECT_EQ(q.size(), 2u);
}

TEST(BroadcastQueue, FewestTransmittedFirstThenNewest) {
  BroadcastQueue q(100);
  q.enqueue("a", msg(1), 4);
  ASSERT_EQ(q.take(15, 0, 10).size(), 1u);  // a sent once
  q.enqueue("b", msg(2), 4);
  q.enqueue("c", msg(3), 4);
  auto out = q.take(1000, 0, 10);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], msg(3));
  EXPECT_EQ(out[1], msg(2));
  EXPECT_EQ(out[2], msg(1));
}

TEST(BroadcastQueue, DropsAnItemAfterItsRetransmitLimit) {
  BroadcastQueue q(100);
  q.enqueue("a", msg(1), 2);  // n=9: limit 2 * 1 = 2
  EXPECT_EQ(q.take(100, 0, 9).size(), 1u);
  EXPECT_EQ(q.take(100, 0, 9).size(), 1u);
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.contains("a"));
  EXPECT_TRUE(q.take(100, 0, 9).empty());
}

TEST(BroadcastQueue, SkipsItemsThatDoNotFitButTakesSmallerOnes) {
  BroadcastQueue q(100);
  q.enqueue("small", msg(1, 10), 4);
  q.enqueue("big", msg(2, 100), 4);
  auto out = q.take(50, 2, 10);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], msg(1, 10));
  EXPECT_EQ(q.size(), 2u);
}

TEST(BroadcastQueue, BoundEvictsMostTransmittedFirst) {
  BroadcastQueue q(2);
  q.enqueue("a", msg(1), 100);
  ASSERT_EQ(q.take(100, 0, 10).size(), 1u);  // a: 1 transmit
  q.enqueue("b", msg(2), 100);
  q.enqueue("c", msg(3), 100);  // over the bound: a (most sent) goes
  EXPECT_EQ(q.size(), 2u);
  EXPECT_FALSE(q.contains("a"));
  EXPECT_TRUE(q.contains("b"));
  EXPECT_TRUE(q.contains("c"));
  EXPECT_EQ(q.dropped(), 1u);
}

RC_GTEST_PROP(BroadcastQueue, TakeRespectsBudgetAndLimits, ()) {
  const auto n = *rc::gen::inRange<std::size_t>(1, 5000);
  const auto mult = *rc::gen::inRange<std::uint32_t>(1, 6);
  const auto sizes = *rc::gen::container<std::vector<std::uint8_t>>(rc::gen::inRange<std::uint8_t>(1, 200));
  BroadcastQueue q(64);
  std::map<std::uint8_t, int> sent;  // tag -> times returned
  for (std::size_t i = 0; i < sizes.size(); ++i)
    q.enqueue(i % 3 == 0 ? "" : "k" + std::to_string(i), Bytes(sizes[i], static_cast<std::uint8_t>(i)), mult);
  for (int round = 0; round < 200 && !q.empty(); ++round) {
    const auto budget = *rc::gen::inRange<std::size_t>(0, 1400);
    std::size_t used = 0;
    for (const Bytes& b : q.take(budget, 5, n)) {
      used += b.size() + 5;
      ++sent[b[0]];
    }
    RC_ASSERT(used <= budget);
    RC_ASSERT(q.size() <= 64u);
  }
  for (const auto& [tag, times] : sent) RC_ASSERT(times <= static_cast<int>(retransmit_limit(mult, n)));
}

}  // namespace
}  // namespace shoal::membership
