// Two "hosts" (network namespaces joined by a veth underlay), each programmed by the overlay
// library alone (VXLAN device, bridge, peer FDB/neighbour/route, one task namespace with its
// veth), then a ping from a task on host A to a task on host B crosses the VXLAN overlay.
// Traffic stays inside namespaces this test creates. Skips when not root or VXLAN is missing.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "overlay/mnl_netlink.h"
#include "overlay/overlay_reconciler.h"
#include "tests/overlay/netns_fixture.h"

namespace shoal {

using testing::Netns;
using testing::sh;

namespace {

struct Host {
  Netns ns;
  Netns task;
  Ipv4 underlay;
  Ipv4Prefix subnet;
  std::unique_ptr<MnlNetlink> netlink;
  OverlayReconciler overlay{OverlayConfig{}};
};

void program_host(Host& h, Ipv4 task_ip) {
  auto nl = MnlNetlink::open_in_netns(h.ns.path());
  ASSERT_TRUE(nl.ok()) << nl.message();
  h.netlink = std::move(nl.value());
  auto st = h.overlay.setup_node(*h.netlink, h.underlay, h.subnet);
  if (!st.ok() && st.message().find("vxlan") != std::string::npos &&
      st.message().find("not supported") != std::string::npos)
    GTEST_SKIP() << "kernel has no VXLAN: " << st.message();
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(h.ns.run("sysctl -qw net.ipv4.ip_forward=1"), 0);

  TaskNetwork task{"sht" + std::to_string(::getpid() % 100000), "shp" + std::to_string(::getpid() % 100000),
                   task_ip, h.subnet};
  int fd = ::open(h.task.path().c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  auto attached = attach_task_host_side(*h.netlink, h.overlay.config(), task, fd);
  ::close(fd);
  ASSERT_TRUE(attached.ok()) << attached.message();
  auto task_nl = MnlNetlink::open_in_netns(h.task.path());
  ASSERT_TRUE(task_nl.ok()) << task_nl.message();
  auto configured = configure_task_side(**task_nl, task);
  ASSERT_TRUE(configured.ok()) << configured.message();
}

}  // namespace

TEST(OverlayE2E, TasksOnTwoHostsPingAcrossVxlan) {
  if (auto why = testing::netns_unavailable(); !why.empty()) GTEST_SKIP() << why;
  if (sh("command -v ping") != 0) GTEST_SKIP() << "needs ping (iputils-ping)";
  Host a{Netns("shoal-ovA"), Netns("shoal-ovtA"), *parse_ipv4("10.99.0.1"), *parse_prefix("10.200.1.0/24"), {}};
  Host b{Netns("shoal-ovB"), Netns("shoal-ovtB"), *parse_ipv4("10.99.0.2"), *parse_prefix("10.200.2.0/24"), {}};
  ASSERT_TRUE(a.ns.ok() && b.ns.ok() && a.task.ok() && b.task.ok());
  ASSERT_TRUE(testing::link_namespaces(a.ns, "10.99.0.1/24", b.ns, "10.99.0.2/24", std::to_string(::getpid() % 100000)));

  program_host(a, *parse_ipv4("10.200.1.10"));
  if (::testing::Test::IsSkipped() || HasFatalFailure()) return;
  program_host(b, *parse_ipv4("10.200.2.10"));
  if (HasFatalFailure()) return;

  ASSERT_TRUE(a.overlay.reconcile(*a.netlink, {{NodeId{"b"}, {b.underlay, b.subnet}}}).ok());
  ASSERT_TRUE(b.overlay.reconcile(*b.netlink, {{NodeId{"a"}, {a.underlay, a.subnet}}}).ok());

  // The kernel shows what the library programmed: VXLAN parameters and the peer's entries.
  std::string details = testing::sh_output(a.ns.exec("ip -d link show shoal-vx"));
  EXPECT_NE(details.find("vxlan id 4242"), std::string::npos) << details;
  EXPECT_NE(details.find("local 10.99.0.1"), std::string::npos) << details;
  EXPECT_NE(details.find("dstport 4789"), std::string::npos) << details;
  EXPECT_NE(details.find("nolearning"), std::string::npos) << details;
  EXPECT_NE(details.find("mtu 1450"), std::string::npos) << details;
  std::string fdb = testing::sh_output(a.ns.exec("bridge fdb show dev shoal-vx"));
  EXPECT_NE(fdb.find("00:00:00:00:00:00 dst 10.99.0.2"), std::string::npos) << fdb;
  std::string routes = testing::sh_output(a.ns.exec("ip route show 10.200.2.0/24"));
  EXPECT_NE(routes.find("via 10.200.2.0 dev shoal-vx"), std::string::npos) << routes;

  EXPECT_EQ(a.task.run("ping -c 2 -W 2 10.200.2.10"), 0) << "task A cannot reach task B over VXLAN";
  EXPECT_EQ(b.task.run("ping -c 2 -W 2 10.200.1.10"), 0) << "task B cannot reach task A over VXLAN";

  // Peer leaves: its entries go and the route with them; the other direction is untouched.
  ASSERT_TRUE(a.overlay.reconcile(*a.netlink, {}).ok());
  EXPECT_EQ(testing::sh_output(a.ns.exec("ip route show 10.200.2.0/24")), "");
  EXPECT_EQ(testing::sh_output(a.ns.exec("bridge fdb show dev shoal-vx")).find("dst 10.99.0.2"), std::string::npos);
  EXPECT_NE(a.task.run("ping -c 1 -W 1 10.200.2.10"), 0);
}

// The address calls the agent uses for IPVS-mode VIPs: add, delete, and deleting what is gone.
TEST(OverlayE2E, AddressesComeAndGo) {
  if (auto why = testing::netns_unavailable(); !why.empty()) GTEST_SKIP() << why;
  Netns ns("shoal-ovAddr");
  ASSERT_TRUE(ns.ok());
  auto nl = MnlNetlink::open_in_netns(ns.path());
  ASSERT_TRUE(nl.ok()) << nl.message();
  ASSERT_TRUE((*nl)->create_bridge("br-test", 1500).ok());
  const Ipv4 vip = *parse_ipv4("10.96.0.7");
  ASSERT_TRUE((*nl)->add_address("br-test", vip, 32).ok());
  EXPECT_NE(testing::sh_output(ns.exec("ip -4 addr show dev br-test")).find("10.96.0.7/32"), std::string::npos);
  ASSERT_TRUE((*nl)->delete_address("br-test", vip, 32).ok());
  EXPECT_EQ(testing::sh_output(ns.exec("ip -4 addr show dev br-test")).find("10.96.0.7"), std::string::npos);
  auto again = (*nl)->delete_address("br-test", vip, 32);
  EXPECT_TRUE(again.ok()) << "deleting an absent address is success: " << again.message();
  EXPECT_TRUE((*nl)->delete_address("no-such-dev", vip, 32).ok());
}

}  // namespace shoal
