#include "loadbalancer/nft_ruleset.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "loadbalancer/lb_plan.h"

namespace shoal {

namespace {

const ServiceKey kWeb{Ipv4{0x0A600005}, Protocol::kTcp, 80};
const ServiceKey kDns{Ipv4{0x0A600006}, Protocol::kUdp, 53};
Backend be(int n) { return Backend{Ipv4{0x0AC80100u + std::uint32_t(n)}, 8080}; }

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    out.push_back(text.substr(start, end - start));
  return out;
}

}  // namespace

TEST(NftRuleset, ResetCreatesOnlyOurTable) {
  NftRuleset r{LbConfig{}};
  auto text = r.reset_commands();
  for (const auto& l : lines(text)) EXPECT_NE(l.find(" ip shoal"), std::string::npos) << l;
  EXPECT_NE(text.find("type nat hook prerouting"), std::string::npos);
  EXPECT_NE(text.find("type nat hook output"), std::string::npos);
}

TEST(NftRuleset, NewServiceIsOneChainOneMapAndOneVmapElement) {
  NftRuleset r{LbConfig{}};
  auto text = r.commands_for({AddService{kWeb}, AddBackend{kWeb, be(1)}, AddBackend{kWeb, be(2)}});
  std::vector<std::string> want{
      "add chain ip shoal svc_0a600005_tcp_80",
      "add map ip shoal eps_0a600005_tcp_80 { typeof numgen random mod 1 : ip daddr . tcp dport ; }",
      "add element ip shoal eps_0a600005_tcp_80 { 0 : 10.200.1.1 . 8080, 1 : 10.200.1.2 . 8080 }",
      "add rule ip shoal svc_0a600005_tcp_80 meta l4proto tcp dnat ip to numgen random mod 2 map @eps_0a600005_tcp_80",
      "add element ip shoal services { 10.96.0.5 . tcp . 80 : goto svc_0a600005_tcp_80 }"};
  EXPECT_EQ(lines(text), want);
}

TEST(NftRuleset, AddingOneBackendTouchesOneElementAndTheServicesRule) {
  NftRuleset r{LbConfig{}};
  (void)r.commands_for({AddService{kWeb}, AddBackend{kWeb, be(1)}, AddService{kDns}, AddBackend{kDns, be(9)}});
  auto text = r.commands_for({AddBackend{kWeb, be(2)}});
  std::vector<std::string> want{
      "add element ip shoal eps_0a600005_tcp_80 { 1 : 10.200.1.2 . 8080 }",
      "flush chain ip shoal svc_0a600005_tcp_80",
      "add rule ip shoal svc_0a600005_tcp_80 meta l4proto tcp dnat ip to numgen random mod 2 map @eps_0a600005_tcp_80"};
  EXPECT_EQ(lines(text), want);
}

TEST(NftRuleset, RemovingABackendMovesTheLastIntoItsSlot) {
  NftRuleset r{LbConfig{}};
  (void)r.commands_for({AddService{kWeb}, AddBackend{kWeb, be(1)}, AddBackend{kWeb, be(2)}, AddBackend{kWeb, be(3)}});
  auto text = r.commands_for({DelBackend{kWeb, be(1)}});
  std::vector<std::string> want{
      "delete element ip shoal eps_0a600005_tcp_80 { 0, 2 }",
      "add element ip shoal eps_0a600005_tcp_80 { 0 : 10.200.1.3 . 8080 }",
      "flush chain ip shoal svc_0a600005_tcp_80",
      "add rule ip shoal svc_0a600005_tcp_80 meta l4proto tcp dnat ip to numgen random mod 2 map @eps_0a600005_tcp_80"};
  EXPECT_EQ(lines(text), want);
  EXPECT_EQ(*r.slots(kWeb), (std::vector<Backend>{be(3), be(2)}));
}

TEST(NftRuleset, LastBackendGoneDropsAndServiceGoneDeletesItsObjects) {
  NftRuleset r{LbConfig{}};
  (void)r.commands_for({AddService{kDns}, AddBackend{kDns, be(1)}});
  auto text = r.commands_for({DelBackend{kDns, be(1)}});
  EXPECT_NE(text.find("add rule ip shoal svc_0a600006_udp_53 drop"), std::string::npos) << text;
  text = r.commands_for({DelService{kDns}});
  std::vector<std::string> want{"delete element ip shoal services { 10.96.0.6 . udp . 53 }",
                                "flush chain ip shoal svc_0a600006_udp_53",
                                "delete chain ip shoal svc_0a600006_udp_53",
                                "delete map ip shoal eps_0a600006_udp_53"};
  EXPECT_EQ(lines(text), want);
  EXPECT_EQ(r.slots(kDns), nullptr);
}

TEST(NftRuleset, JhashSelectorHashesSourceAddressAndPort) {
  LbConfig config;
  config.nft_selector = NftSelector::kJhash;
  NftRuleset r{config};
  EXPECT_EQ(r.rule_for(kDns, 3),
            "meta l4proto udp dnat ip to jhash ip saddr . udp sport mod 3 seed 0x5e0a1 map @eps_0a600006_udp_53");
}

RC_GTEST_PROP(NftRuleset, SlotsAreADenseImageOfTheBackendSet, ()) {
  NftRuleset r{LbConfig{}};
  LbState applied;
  auto rounds = *rc::gen::inRange(1, 10);
  for (int i = 0; i < rounds; ++i) {
    LbState want;
    if (*rc::gen::inRange(0, 4) != 0) {
      auto& set = want[kWeb];
      auto n = *rc::gen::inRange(0, 8);
      for (int j = 0; j < n; ++j) set.insert(be(*rc::gen::inRange(0, 12)));
    }
    auto ops = plan_lb(applied, want);
    auto text = r.commands_for(ops);
    if (ops.size() == 1 && std::holds_alternative<AddBackend>(ops[0]))
      RC_ASSERT(text.find("add element ip shoal eps_") != std::string::npos &&
                text.find("delete element") == std::string::npos);
    applied = want;
    if (!want.count(kWeb)) {
      RC_ASSERT(r.slots(kWeb) == nullptr);
      continue;
    }
    const auto& slots = *r.slots(kWeb);
    RC_ASSERT(std::set<Backend>(slots.begin(), slots.end()) == want[kWeb]);
    RC_ASSERT(slots.size() == want[kWeb].size());
  }
}

}  // namespace shoal
