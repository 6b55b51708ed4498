#include "overlay/subnet_allocator.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

namespace shoal {

TEST(SubnetAllocator, DefaultPoolGivesDistinctSlash24s) {
  std::vector<SubnetMember> members;
  for (int i = 0; i < 50; ++i) members.push_back({NodeId{"node-" + std::to_string(i)}, std::uint64_t(i), {}});
  auto a = assign_subnets({}, members);
  ASSERT_TRUE(a.ok());
  std::set<Ipv4Prefix> seen;
  for (const auto& [id, subnet] : a->subnet_of) {
    EXPECT_EQ(subnet.length, 24);
    EXPECT_TRUE(SubnetPoolConfig{}.pool.contains(subnet.addr));
    EXPECT_TRUE(seen.insert(subnet).second) << to_string(subnet);
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(SubnetAllocator, HonoursAValidClaimAndIgnoresForeignOnes) {
  auto mine = *parse_prefix("10.200.77.0/24");
  auto foreign = *parse_prefix("192.168.1.0/24");
  auto wrong_size = *parse_prefix("10.200.8.0/25");
  auto a = assign_subnets({}, {{NodeId{"a"}, 1, mine}, {NodeId{"b"}, 2, foreign}, {NodeId{"c"}, 3, wrong_size}});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->subnet_of.at(NodeId{"a"}), mine);
  EXPECT_TRUE(SubnetPoolConfig{}.pool.contains(a->subnet_of.at(NodeId{"b"}).addr));
  EXPECT_EQ(a->subnet_of.at(NodeId{"c"}).length, 24);
}

TEST(SubnetAllocator, SmallPoolReportsUnplacedNodes) {
  SubnetPoolConfig config{*parse_prefix("10.1.0.0/23"), 24};  // two subnets
  auto a = assign_subnets(config, {{NodeId{"a"}, 1, {}}, {NodeId{"b"}, 2, {}}, {NodeId{"c"}, 3, {}}});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->subnet_of.size(), 2u);
  ASSERT_EQ(a->unplaced.size(), 1u);
  EXPECT_EQ(a->unplaced[0].name, "c");
}

TEST(SubnetAllocator, RejectsBadConfig) {
  EXPECT_FALSE(assign_subnets({*parse_prefix("10.200.0.0/16"), 8}, {}).ok());
  EXPECT_FALSE(assign_subnets({*parse_prefix("10.200.0.0/16"), 31}, {}).ok());
}

RC_GTEST_PROP(SubnetAllocator, JoinAndLeaveKeepEveryoneElsesSubnet, ()) {
  auto count = *rc::gen::inRange(2, 60);
  std::vector<SubnetMember> members;
  for (int i = 0; i < count; ++i) members.push_back({NodeId{"n" + std::to_string(i)}, std::uint64_t(i), {}});
  auto before = assign_subnets({}, members);
  RC_ASSERT(before.ok());
  for (auto& m : members) m.claimed = before->subnet_of.at(m.id);  // nodes publish theirs
  auto leaver = *rc::gen::inRange<int>(0, count);
  members.erase(members.begin() + leaver);
  members.push_back({NodeId{"joiner"}, 1000, {}});
  auto after = assign_subnets({}, members);
  RC_ASSERT(after.ok());
  std::set<Ipv4Prefix> seen;
  for (const auto& m : members) {
    if (m.id.name != "joiner") RC_ASSERT(after->subnet_of.at(m.id) == before->subnet_of.at(m.id));
    RC_ASSERT(seen.insert(after->subnet_of.at(m.id)).second);
  }
}

}  // namespace shoal
