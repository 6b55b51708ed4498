#include "overlay/overlay_reconciler.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/overlay/fake_netlink.h"

namespace shoal {

using testing::FakeNetlink;

namespace {

OverlayPeer peer_n(int n) {
  return OverlayPeer{Ipv4{0xC0000200u + std::uint32_t(n)}, Ipv4Prefix{Ipv4{0x0AC80000u + (std::uint32_t(n) << 8)}, 24}};
}

// What the kernel must hold for exactly these peers.
void expect_kernel_matches(const FakeNetlink& k, const PeerMap& peers) {
  EXPECT_EQ(k.fdb.size(), 2 * peers.size());
  EXPECT_EQ(k.neighbours.size(), peers.size());
  EXPECT_EQ(k.routes.size(), peers.size());
  for (const auto& [id, p] : peers) {
    EXPECT_TRUE(k.fdb.count({"shoal-vx", MacAddr{}, p.underlay})) << id.name;
    EXPECT_TRUE(k.fdb.count({"shoal-vx", vtep_mac(p.subnet), p.underlay})) << id.name;
    EXPECT_TRUE(k.routes.count(Route{p.subnet, vxlan_gateway(p.subnet), "shoal-vx", true})) << id.name;
  }
}

}  // namespace

TEST(OverlayReconciler, SetupCreatesDevicesWithTheRightParameters) {
  FakeNetlink k;
  OverlayReconciler r{OverlayConfig{}};
  auto subnet = *parse_prefix("10.200.5.0/24");
  ASSERT_TRUE(r.setup_node(k, *parse_ipv4("192.0.2.1"), subnet).ok());
  const auto& vx = k.links.at("shoal-vx");
  EXPECT_EQ(vx.kind, "vxlan");
  EXPECT_EQ(vx.vxlan.vni, 4242u);
  EXPECT_EQ(vx.vxlan.dstport, 4789);
  EXPECT_EQ(vx.mtu, 1450u);
  EXPECT_EQ(vx.vxlan.local, *parse_ipv4("192.0.2.1"));
  EXPECT_EQ(vx.vxlan.mac, vtep_mac(subnet));
  EXPECT_TRUE(vx.up);
  EXPECT_TRUE(k.links.at("shoal-br").up);
  EXPECT_TRUE(k.addresses.count({"shoal-vx", *parse_ipv4("10.200.5.0"), 32}));
  EXPECT_TRUE(k.addresses.count({"shoal-br", *parse_ipv4("10.200.5.1"), 24}));
  // Setting up again replaces the devices rather than failing on "exists".
  EXPECT_TRUE(r.setup_node(k, *parse_ipv4("192.0.2.1"), subnet).ok());
}

TEST(OverlayReconciler, JoinAndLeaveTouchOnlyThatPeersEntries) {
  FakeNetlink k;
  OverlayReconciler r{OverlayConfig{}};
  PeerMap peers{{NodeId{"a"}, peer_n(1)}, {NodeId{"b"}, peer_n(2)}};
  ASSERT_TRUE(r.reconcile(k, peers).ok());
  expect_kernel_matches(k, peers);

  k.log.clear();
  peers[NodeId{"c"}] = peer_n(3);
  ASSERT_TRUE(r.reconcile(k, peers).ok());
  expect_kernel_matches(k, peers);
  EXPECT_EQ(k.log.size(), 4u);  // c's fdb x2, neighbour, route: nothing of a or b
  for (const auto& line : k.log) EXPECT_EQ(line.find("192.0.2.1"), std::string::npos) << line;

  k.log.clear();
  peers.erase(NodeId{"a"});
  ASSERT_TRUE(r.reconcile(k, peers).ok());
  expect_kernel_matches(k, peers);
  EXPECT_EQ(k.log.size(), 4u);

  k.log.clear();
  ASSERT_TRUE(r.reconcile(k, peers).ok());
  EXPECT_TRUE(k.log.empty());  // nothing changed, nothing touched
}

TEST(OverlayReconciler, PartialFailureIsRetriedOnTheNextPass) {
  FakeNetlink k;
  OverlayReconciler r{OverlayConfig{}};
  PeerMap peers{{NodeId{"a"}, peer_n(1)}, {NodeId{"b"}, peer_n(2)}};
  k.fail_at_call = 2;  // a's neighbour entry
  auto st = r.reconcile(k, peers);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("peer a"), std::string::npos);
  EXPECT_EQ(r.applied().count(NodeId{"a"}), 0u);
  EXPECT_EQ(r.applied().count(NodeId{"b"}), 1u);  // b went through despite a
  ASSERT_TRUE(r.reconcile(k, peers).ok());
  expect_kernel_matches(k, peers);
}

RC_GTEST_PROP(OverlayReconciler, KernelEndsEqualToTheLastDesiredSet, ()) {
  FakeNetlink k;
  OverlayReconciler r{OverlayConfig{}};
  auto steps = *rc::gen::inRange(1, 8);
  PeerMap desired;
  for (int s = 0; s < steps; ++s) {
    desired.clear();
    for (int n = 0; n < 10; ++n)
      if (*rc::gen::arbitrary<bool>()) desired[NodeId{"n" + std::to_string(n)}] = peer_n(n);
    RC_ASSERT(r.reconcile(k, desired).ok());
  }
  RC_ASSERT(k.fdb.size() == 2 * desired.size());
  RC_ASSERT(k.routes.size() == desired.size());
  RC_ASSERT(k.neighbours.size() == desired.size());
  RC_ASSERT(r.applied() == desired);
}

TEST(TaskNetwork, HostAndTaskSidesAreWired) {
  FakeNetlink host, task;
  OverlayConfig config;
  OverlayReconciler r{config};
  auto subnet = *parse_prefix("10.200.5.0/24");
  ASSERT_TRUE(r.setup_node(host, *parse_ipv4("192.0.2.1"), subnet).ok());
  TaskNetwork t{"sh-t1", "sh-t1p", *parse_ipv4("10.200.5.10"), subnet};
  ASSERT_TRUE(attach_task_host_side(host, config, t, 3).ok());
  EXPECT_EQ(host.links.at("sh-t1").master, "shoal-br");
  EXPECT_EQ(host.links.count("sh-t1p"), 0u);
  EXPECT_EQ(host.moved, std::vector<std::string>{"sh-t1p"});
  task.links["lo"] = {};
  task.links["sh-t1p"] = {};
  ASSERT_TRUE(configure_task_side(task, t).ok());
  EXPECT_TRUE(task.links.at("eth0").up);
  EXPECT_TRUE(task.addresses.count({"eth0", t.address, 32}));  // host-routed, see the code
  EXPECT_TRUE(task.routes.count(Route{Ipv4Prefix{}, *parse_ipv4("10.200.5.1"), "eth0", true}));
  t.address = *parse_ipv4("10.200.6.10");
  EXPECT_FALSE(configure_task_side(task, t).ok());  // outside the node's subnet
}

}  // namespace shoal
