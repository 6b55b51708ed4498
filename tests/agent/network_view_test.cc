#include "agent/network_view.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

namespace shoal {
namespace {

crdt::ServiceSpec web_spec() {
  crdt::ServiceSpec s;
  s.task.command = "httpd";
  s.replicas = 3;
  s.ports.push_back({8080, 80, crdt::PortProtocol::kTcp});
  return s;
}

NetworkNode node(const std::string& name, const std::string& underlay, std::uint64_t first, std::string claim = "") {
  NetworkNode n{NodeId{name}, *parse_ipv4(underlay), std::nullopt, first};
  if (!claim.empty()) n.claimed = *parse_prefix(claim);
  return n;
}

struct Fixture {
  crdt::Replica replica{NodeId{"n1"}};
  std::vector<NetworkNode> nodes{node("n1", "192.0.2.1", 10), node("n2", "192.0.2.2", 20),
                                 node("n3", "192.0.2.3", 30)};
  Fixture() {
    (void)replica.create_service(1000, "web", web_spec(), "10.96.0.50");
    task("n1", 0, crdt::TaskState::kHealthy, "10.200.1.2");
    task("n2", 1, crdt::TaskState::kHealthy, "10.200.2.2");
  }
  void task(const std::string& node_name, std::uint32_t slot, crdt::TaskState state, const std::string& addr) {
    crdt::Replica writer{NodeId{node_name}};
    writer.merge(replica.state());
    replica.merge(writer.put_task(2000 + slot, crdt::TaskStatus{"web", slot, 1, state, "", addr, 2000}));
  }
  NetworkView view(std::optional<Ipv4> self = std::nullopt) {
    return compute_network_view(NetworkPools{}, nodes, replica.state(), self).value();
  }
};

TEST(NetworkView, EveryLiveNodeGetsADistinctSubnetAndTheServiceItsClaimedVip) {
  Fixture f;
  NetworkView v = f.view();
  ASSERT_EQ(v.nodes.size(), 3u);
  std::set<Ipv4Prefix> subnets;
  for (const auto& [id, peer] : v.nodes) subnets.insert(peer.subnet);
  EXPECT_EQ(subnets.size(), 3u);
  EXPECT_EQ(v.nodes.at(NodeId{"n2"}).underlay, *parse_ipv4("192.0.2.2"));
  EXPECT_EQ(v.vip_of.at("web"), *parse_ipv4("10.96.0.50"));
  EXPECT_EQ(v.dns.vip("web"), *parse_ipv4("10.96.0.50"));
}

TEST(NetworkView, VipBalancesTheTargetPortOverHealthyTasksOnLiveNodes) {
  Fixture f;
  f.task("n3", 2, crdt::TaskState::kRunning, "10.200.3.2");  // not healthy yet: no traffic
  NetworkView v = f.view();
  ServiceKey key{*parse_ipv4("10.96.0.50"), Protocol::kTcp, 80};
  BackendSet want{{*parse_ipv4("10.200.1.2"), 80}, {*parse_ipv4("10.200.2.2"), 80}};
  EXPECT_EQ(v.lb.at(key), want);
  ASSERT_NE(v.dns.tasks("web"), nullptr);
  EXPECT_EQ(v.dns.tasks("web")->size(), 2u);
  // n2 fails: its last report is ignored.
  f.nodes.erase(f.nodes.begin() + 1);
  EXPECT_EQ(f.view().lb.at(key), (BackendSet{{*parse_ipv4("10.200.1.2"), 80}}));
}

TEST(NetworkView, TheVipForwardsEveryPortOfHealthyTasks) {
  Fixture f;
  f.task("n3", 2, crdt::TaskState::kRunning, "10.200.3.2");  // not healthy yet: no traffic
  NetworkView v = f.view();
  BackendSet want{{*parse_ipv4("10.200.1.2"), 0}, {*parse_ipv4("10.200.2.2"), 0}};  // port 0: keep it
  ServiceKey any{*parse_ipv4("10.96.0.50"), Protocol::kAny, 0};  // every protocol and port
  ASSERT_TRUE(v.lb.contains(any));
  EXPECT_EQ(v.lb.at(any), want);
  // A service without --publish has its VIP and its catch-all ports too.
  crdt::ServiceSpec db = web_spec();
  db.ports.clear();
  ASSERT_TRUE(f.replica.create_service(1001, "db", db, "10.96.0.51").ok());
  EXPECT_TRUE(f.view().lb.contains(ServiceKey{*parse_ipv4("10.96.0.51"), Protocol::kAny, 0}));
  EXPECT_TRUE(f.view().lb.at(ServiceKey{*parse_ipv4("10.96.0.51"), Protocol::kAny, 0}).empty());
}

TEST(NetworkView, TasksAboutToStopGetNoTraffic) {
  Fixture f;
  ServiceKey key{*parse_ipv4("10.96.0.50"), Protocol::kTcp, 80};
  (void)f.replica.scale_service(3000, "web", 2);  // slot 2 scaled away
  f.task("n3", 2, crdt::TaskState::kHealthy, "10.200.3.2");
  EXPECT_EQ(f.view().lb.at(key).size(), 2u);
  f.replica.set_availability(3001, NodeId{"n2"}, crdt::Availability::kDrain);
  EXPECT_EQ(f.view().lb.at(key), (BackendSet{{*parse_ipv4("10.200.1.2"), 80}}));
}

TEST(NetworkView, RoutingMeshPublishesOnThisNodesUnderlay) {
  Fixture f;
  NetworkView v = f.view(*parse_ipv4("192.0.2.3"));
  ServiceKey mesh{*parse_ipv4("192.0.2.3"), Protocol::kTcp, 8080};
  ASSERT_TRUE(v.lb.contains(mesh));
  EXPECT_EQ(v.lb.at(mesh).size(), 2u);
  EXPECT_EQ(v.lb.at(mesh).begin()->port, 80);
  EXPECT_FALSE(f.view().lb.contains(mesh));
}

TEST(NetworkView, AClaimedSubnetIsKept) {
  Fixture f;
  f.nodes[2].claimed = *parse_prefix("10.200.77.0/24");
  EXPECT_EQ(f.view().nodes.at(NodeId{"n3"}).subnet, *parse_prefix("10.200.77.0/24"));
}

TEST(NetworkView, NewServiceVipAvoidsExistingClaims) {
  Fixture f;
  for (int i = 0; i < 50; ++i) {
    std::string name = "s" + std::to_string(i);
    auto vip = pick_vip_for_new_service(NetworkPools{}.vip_pool, f.replica.state(), name, 5000 + i);
    ASSERT_TRUE(vip.ok());
    EXPECT_NE(*vip, *parse_ipv4("10.96.0.50"));
    (void)f.replica.create_service(5000 + i, name, web_spec(), to_string(*vip));
  }
  std::set<Ipv4> all;
  for (const auto& [name, vip] : f.view().vip_of) all.insert(vip);
  EXPECT_EQ(all.size(), 51u);  // no two services share a VIP
}

RC_GTEST_PROP(NetworkView, MemberOrderDoesNotMatter, ()) {
  Fixture f;
  for (int i = 4; i < 12; ++i)
    f.nodes.push_back(node("n" + std::to_string(i), "192.0.2." + std::to_string(i), *rc::gen::inRange(0, 50)));
  NetworkView a = f.view();
  auto shuffled = *rc::gen::container<std::vector<int>>(f.nodes.size(), rc::gen::arbitrary<int>());
  std::vector<std::size_t> order(f.nodes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](auto x, auto y) { return std::tie(shuffled[x], x) < std::tie(shuffled[y], y); });
  std::vector<NetworkNode> permuted;
  for (auto i : order) permuted.push_back(f.nodes[i]);
  f.nodes = permuted;
  NetworkView b = f.view();
  RC_ASSERT(a.nodes == b.nodes);
  RC_ASSERT(a.lb == b.lb);
  RC_ASSERT(a.vip_of == b.vip_of);
}

}  // namespace
}  // namespace shoal
