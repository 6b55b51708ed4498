// Partition suspected/healed from one node's view, and the law that they alternate.
#include "node/partition_watch.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal::node {
namespace {

using Kind = membership::Event::Kind;

membership::Event ev(Kind kind, const std::string& name) {
  membership::Event e;
  e.kind = kind;
  e.member.id = NodeId{name};
  return e;
}

TEST(PartitionWatch, SuspectedWhenMembersGoAndHealedWhenTheyAreBack) {
  PartitionWatch w("n1");
  EXPECT_FALSE(w.on_member_event(ev(Kind::kJoined, "n2"), 0));
  EXPECT_FALSE(w.on_member_event(ev(Kind::kJoined, "n3"), 0));
  EXPECT_FALSE(w.on_member_event(ev(Kind::kJoined, "n1"), 0));  // itself: not a member to reach
  auto split = w.on_member_event(ev(Kind::kSuspect, "n3"), 1000);
  ASSERT_TRUE(split);
  EXPECT_EQ(split->action, "partition_suspected");
  EXPECT_EQ(split->name, "n1");
  EXPECT_EQ(split->attributes.at("unreachable"), "n3");
  EXPECT_EQ(split->attributes.at("reachable"), "2");
  EXPECT_EQ(split->attributes.at("members"), "3");
  EXPECT_FALSE(w.on_member_event(ev(Kind::kFailed, "n3"), 2000));  // still the same split
  EXPECT_FALSE(w.on_member_event(ev(Kind::kFailed, "n2"), 2500));
  EXPECT_FALSE(w.on_member_event(ev(Kind::kJoined, "n2"), 3000));  // half back
  auto heal = w.on_member_event(ev(Kind::kJoined, "n3"), 9000);
  ASSERT_TRUE(heal);
  EXPECT_EQ(heal->action, "partition_healed");
  EXPECT_EQ(heal->attributes.at("duration_ms"), "8000");
  EXPECT_EQ(heal->attributes.at("back"), "n2,n3");
  EXPECT_EQ(heal->attributes.count("left"), 0u);
}

TEST(PartitionWatch, AMemberThatLeavesEndsItsPartToo) {
  PartitionWatch w("n1");
  w.on_member_event(ev(Kind::kJoined, "n2"), 0);
  ASSERT_TRUE(w.on_member_event(ev(Kind::kFailed, "n2"), 10));
  auto heal = w.on_member_event(ev(Kind::kLeft, "n2"), 20);
  ASSERT_TRUE(heal);
  EXPECT_EQ(heal->attributes.at("left"), "n2");
  EXPECT_EQ(heal->attributes.at("members"), "1");
  // A member leaving while nothing is partial is not a partition.
  w.on_member_event(ev(Kind::kJoined, "n3"), 30);
  EXPECT_FALSE(w.on_member_event(ev(Kind::kLeft, "n3"), 40));
}

// Law: for any sequence of member events, suspected and healed alternate (starting with
// suspected), and the watch is partial exactly after a suspected not yet healed.
RC_GTEST_PROP(PartitionWatchProps, SuspectedAndHealedAlternate, ()) {
  const auto events = *rc::gen::container<std::vector<std::pair<int, int>>>(
      rc::gen::pair(rc::gen::inRange(0, 6), rc::gen::inRange(1, 5)));
  PartitionWatch w("n0");
  bool open = false;
  std::uint64_t t = 0;
  for (const auto& [kind, who] : events) {
    static constexpr Kind kKinds[6] = {Kind::kJoined, Kind::kSuspect, Kind::kFailed, Kind::kLeft, Kind::kAlive,
                                       Kind::kUpdated};
    auto out = w.on_member_event(ev(kKinds[kind], "n" + std::to_string(who)), t += 10);
    if (out) {
      RC_ASSERT(out->action == (open ? "partition_healed" : "partition_suspected"));
      open = !open;
    }
    RC_ASSERT(w.partial() == open);
  }
}

}  // namespace
}  // namespace shoal::node
