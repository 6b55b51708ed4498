#include "overlay/overlay_plan.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal {

namespace {

OverlayPeer peer(const char* underlay, const char* subnet) {
  return OverlayPeer{*parse_ipv4(underlay), *parse_prefix(subnet)};
}

}  // namespace

TEST(OverlayPlan, DerivedAddressesAreFixed) {
  auto subnet = *parse_prefix("10.200.7.0/24");
  EXPECT_EQ(to_string(vxlan_gateway(subnet)), "10.200.7.0");
  EXPECT_EQ(to_string(bridge_gateway(subnet)), "10.200.7.1");
  EXPECT_EQ(to_string(vtep_mac(subnet)), "02:53:0a:c8:07:00");
}

TEST(OverlayPlan, NewPeerGetsFdbNeighbourAndRouteInOrder) {
  OverlayConfig config;
  auto p = peer("192.0.2.2", "10.200.9.0/24");
  auto plan = plan_overlay(config, {}, {{NodeId{"b"}, p}});
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].peer.name, "b");
  std::vector<OverlayOp> want{
      AddFdb{{MacAddr{}, p.underlay}}, AddFdb{{vtep_mac(p.subnet), p.underlay}},
      AddNeigh{{*parse_ipv4("10.200.9.0"), vtep_mac(p.subnet)}},
      AddRoute{Route{p.subnet, *parse_ipv4("10.200.9.0"), "shoal-vx", true}}};
  EXPECT_EQ(plan[0].ops, want);
}

TEST(OverlayPlan, UnchangedPeersProduceNothingAndChangedOnesAreReplaced) {
  OverlayConfig config;
  PeerMap current{{NodeId{"a"}, peer("192.0.2.1", "10.200.1.0/24")},
                  {NodeId{"b"}, peer("192.0.2.2", "10.200.2.0/24")},
                  {NodeId{"c"}, peer("192.0.2.3", "10.200.3.0/24")}};
  PeerMap desired = current;
  desired.erase(NodeId{"a"});                                   // left
  desired[NodeId{"b"}] = peer("192.0.2.22", "10.200.2.0/24");  // moved underlay
  desired[NodeId{"d"}] = peer("192.0.2.4", "10.200.4.0/24");   // joined
  auto plan = plan_overlay(config, current, desired);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].peer.name, "a");
  EXPECT_EQ(plan[0].ops, peer_remove_ops(config, current.at(NodeId{"a"})));
  EXPECT_EQ(plan[1].peer.name, "b");
  EXPECT_EQ(plan[1].ops.size(), 8u);  // 4 removals then 4 adds
  EXPECT_TRUE(std::holds_alternative<DelRoute>(plan[1].ops.front()));
  EXPECT_TRUE(std::holds_alternative<AddRoute>(plan[1].ops.back()));
  EXPECT_EQ(plan[2].peer.name, "d");
  EXPECT_TRUE(plan_overlay(config, desired, desired).empty());
}

RC_GTEST_PROP(OverlayPlan, OnlyChangedPeersAppearInThePlan, ()) {
  OverlayConfig config;
  auto gen_map = [] {
    PeerMap m;
    auto n = *rc::gen::inRange(0, 12);
    for (int i = 0; i < n; ++i) {
      auto idx = *rc::gen::inRange(0, 16);
      auto under = *rc::gen::inRange<std::uint32_t>(1, 4);
      m[NodeId{"n" + std::to_string(idx)}] =
          OverlayPeer{Ipv4{0xC0000200 + under}, Ipv4Prefix{Ipv4{0x0AC80000u + (std::uint32_t(idx) << 8)}, 24}};
    }
    return m;
  };
  PeerMap current = gen_map(), desired = gen_map();
  auto plan = plan_overlay(config, current, desired);
  std::set<NodeId> touched;
  for (const auto& p : plan) {
    RC_ASSERT(touched.insert(p.peer).second);
    auto c = current.find(p.peer);
    auto d = desired.find(p.peer);
    RC_ASSERT(!(c != current.end() && d != desired.end() && c->second == d->second));
  }
  for (const auto& [id, pr] : desired)
    if (!current.count(id) || current.at(id) != pr) RC_ASSERT(touched.count(id) == 1u);
  for (const auto& [id, pr] : current)
    if (!desired.count(id)) RC_ASSERT(touched.count(id) == 1u);
}

}  // namespace shoal
