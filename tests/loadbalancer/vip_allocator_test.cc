#include "loadbalancer/vip_allocator.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "loadbalancer/lb_config.h"

namespace shoal {

TEST(VipAllocator, DefaultPoolSkipsNetworkAndBroadcast) {
  auto pool = *parse_prefix("10.9.0.0/30");  // usable: .1 and .2
  auto a = assign_vips(pool, {{"a", 1, {}}, {"b", 2, {}}, {"c", 3, {}}});
  ASSERT_TRUE(a.ok());
  for (const auto& [name, vip] : a->vip_of) {
    EXPECT_NE(vip, pool.at(0));
    EXPECT_NE(vip, pool.at(3));
  }
  EXPECT_EQ(a->unplaced, std::vector<std::string>{"c"});
  EXPECT_FALSE(assign_vips(*parse_prefix("10.9.0.0/31"), {}).ok());
}

TEST(VipAllocator, SameServicesSameVipsAndAClaimIsKept) {
  LbConfig config;
  auto a = assign_vips(config.vip_pool, {{"web", 1, {}}, {"db", 2, {}}});
  auto b = assign_vips(config.vip_pool, {{"db", 2, {}}, {"web", 1, {}}});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->vip_of, b->vip_of);
  EXPECT_TRUE(config.vip_pool.contains(a->vip_of.at("web")));
  auto claimed = assign_vips(config.vip_pool, {{"web", 1, *parse_ipv4("10.96.7.7")}});
  EXPECT_EQ(claimed->vip_of.at("web"), *parse_ipv4("10.96.7.7"));
  auto foreign = assign_vips(config.vip_pool, {{"web", 1, *parse_ipv4("10.97.7.7")}});
  EXPECT_TRUE(config.vip_pool.contains(foreign->vip_of.at("web")));  // claim outside pool ignored
}

RC_GTEST_PROP(VipAllocator, UniqueAndStableUnderCreateAndRemove, ()) {
  auto pool = *parse_prefix("10.96.0.0/27");  // 30 usable: collisions are common
  auto count = *rc::gen::inRange(2, 25);
  std::vector<VipClaimant> services;
  for (int i = 0; i < count; ++i) services.push_back({"s" + std::to_string(i), std::uint64_t(i), {}});
  auto before = assign_vips(pool, services);
  RC_ASSERT(before.ok());
  for (auto& s : services) s.claimed = before->vip_of.at(s.service);
  services.erase(services.begin() + *rc::gen::inRange(0, count));
  services.push_back({"new", 1000, {}});
  auto after = assign_vips(pool, services);
  std::set<Ipv4> seen;
  for (const auto& s : services) {
    if (s.service != "new") RC_ASSERT(after->vip_of.at(s.service) == before->vip_of.at(s.service));
    RC_ASSERT(seen.insert(after->vip_of.at(s.service)).second);
  }
}

}  // namespace shoal
