#include "loadbalancer/nft_ruleset.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

#include "loadbalancer/lb_plan.h"
#include "tests/loadbalancer/lb_test_values.h"

namespace shoal {

namespace {

const ServiceKey kDns{Ipv4{0x0A600006}, Protocol::kUdp, 53};
const ServiceKey kWebAnyPort{Ipv4{0x0A600005}, Protocol::kAny, 0};  // catch-all: every other protocol and port of the VIP
Backend any(int n) { return Backend{Ipv4{0x0AC80100u + std::uint32_t(n)}, 0}; }
using Chains = std::set<NftPickChain>;
NftPickChain pick(std::uint32_t n) { return {false, n}; }
NftPickChain anypick(std::uint32_t n) { return {true, n}; }

using SlotAdds = std::vector<std::pair<NftSlot, Backend>>;
using ServiceAdds = std::vector<std::pair<ServiceKey, std::uint32_t>>;

// The kernel's two maps and its chains, simulated with nftables' rules for one transaction:
// deleting a missing element or adding an existing one (we send NLM_F_EXCL) fails, and a
// verdict may only name a chain that exists.
struct KernelMaps {
  std::map<ServiceKey, std::uint32_t> services;  // -> backend count (goto [any]pick_<count>; 0 = drop)
  std::map<NftSlot, Backend> backends;
  Chains chains;

  // Applies `c` in batch order; false if the kernel would refuse it.
  bool apply(const NftChanges& c) {
    for (const auto& chain : c.new_pick_chains)
      if (!chains.insert(chain).second) return false;
    for (const auto& k : c.service_deletes)
      if (services.erase(k) != 1) return false;
    for (const auto& s : c.slot_deletes)
      if (backends.erase(s) != 1) return false;
    for (const auto& [s, b] : c.slot_adds)
      if (!backends.emplace(s, b).second) return false;
    for (const auto& [k, n] : c.service_adds) {
      if (n > 0 && !chains.count(NftPickChain{k.port == 0, n})) return false;
      if (!services.emplace(k, n).second) return false;
    }
    return true;
  }

  // True if the maps balance exactly `state`: every service's slots 0..N-1 hold its N backends.
  bool balances(const LbState& state) const {
    if (services.size() != state.size()) return false;
    std::size_t slots = 0;
    for (const auto& [key, set] : state) {
      auto it = services.find(key);
      if (it == services.end() || it->second != set.size()) return false;
      BackendSet seen;
      for (std::uint32_t i = 0; i < set.size(); ++i) {
        auto b = backends.find(NftSlot{key, i});
        if (b == backends.end()) return false;
        seen.insert(b->second);
      }
      if (seen != set) return false;
      slots += set.size();
    }
    return backends.size() == slots;
  }
};

LbState gen_ruleset_state() {
  LbState state;
  for (const auto& key : {kWeb, kDns, kWebAnyPort}) {
    if (*rc::gen::inRange(0, 4) == 0) continue;
    auto& set = state[key];
    auto n = *rc::gen::inRange(0, 8);
    for (int j = 0; j < n; ++j) set.insert(key.port == 0 ? any(*rc::gen::inRange(0, 12)) : be(*rc::gen::inRange(0, 12)));
  }
  return state;
}

}  // namespace

TEST(NftRuleset, NewServiceAddsItsSlotsAndOneServiceElement) {
  NftRuleset r;
  auto c = r.plan({AddService{kWeb}, AddBackend{kWeb, be(1)}, AddBackend{kWeb, be(2)}});
  EXPECT_EQ(c.slot_adds, (SlotAdds{{NftSlot{kWeb, 0}, be(1)}, {NftSlot{kWeb, 1}, be(2)}}));
  EXPECT_EQ(c.service_adds, (ServiceAdds{{kWeb, 2}}));
  EXPECT_EQ(c.new_pick_chains, std::vector<NftPickChain>{pick(2)});
  EXPECT_TRUE(c.service_deletes.empty());
  EXPECT_TRUE(c.slot_deletes.empty());
}

TEST(NftRuleset, AddingOneBackendAddsOneSlotAndReplacesTheServiceElement) {
  NftRuleset r;
  (void)r.plan({AddService{kWeb}, AddBackend{kWeb, be(1)}, AddService{kDns}, AddBackend{kDns, be(8)},
                AddBackend{kDns, be(9)}});
  auto c = r.plan({AddBackend{kWeb, be(2)}});
  EXPECT_EQ(c.slot_adds, (SlotAdds{{NftSlot{kWeb, 1}, be(2)}}));
  EXPECT_EQ(c.service_deletes, std::vector<ServiceKey>{kWeb});
  EXPECT_EQ(c.service_adds, (ServiceAdds{{kWeb, 2}}));
  EXPECT_TRUE(c.slot_deletes.empty());
  EXPECT_TRUE(c.new_pick_chains.empty()) << "pick_2 exists already (kDns uses it)";
  EXPECT_EQ(c.element_count(), 3u);
}

TEST(NftRuleset, RemovingABackendMovesTheLastIntoItsSlot) {
  NftRuleset r;
  (void)r.plan({AddService{kWeb}, AddBackend{kWeb, be(1)}, AddBackend{kWeb, be(2)}, AddBackend{kWeb, be(3)}});
  auto c = r.plan({DelBackend{kWeb, be(1)}});
  EXPECT_EQ(c.slot_deletes, (std::vector<NftSlot>{{kWeb, 0}, {kWeb, 2}}));
  EXPECT_EQ(c.slot_adds, (SlotAdds{{NftSlot{kWeb, 0}, be(3)}}));
  EXPECT_EQ(c.service_adds, (ServiceAdds{{kWeb, 2}}));
  EXPECT_EQ(*r.slots(kWeb), (std::vector<Backend>{be(3), be(2)}));
}

TEST(NftRuleset, RemovingTheLastSlotDeletesOneSlot) {
  NftRuleset r;
  (void)r.plan({AddService{kWeb}, AddBackend{kWeb, be(1)}, AddBackend{kWeb, be(2)}});
  auto c = r.plan({DelBackend{kWeb, be(2)}});
  EXPECT_EQ(c.slot_deletes, (std::vector<NftSlot>{{kWeb, 1}}));
  EXPECT_TRUE(c.slot_adds.empty());
  EXPECT_EQ(c.service_adds, (ServiceAdds{{kWeb, 1}}));
}

TEST(NftRuleset, LastBackendGoneDropsAndServiceGoneDeletesItsElements) {
  NftRuleset r;
  (void)r.plan({AddService{kDns}, AddBackend{kDns, be(1)}});
  auto c = r.plan({DelBackend{kDns, be(1)}});
  EXPECT_EQ(c.service_adds, (ServiceAdds{{kDns, 0}}));  // count 0: the verdict is drop
  EXPECT_TRUE(c.new_pick_chains.empty());
  (void)r.plan({AddBackend{kDns, be(1)}});
  c = r.plan({DelService{kDns}});
  EXPECT_EQ(c.service_deletes, std::vector<ServiceKey>{kDns});
  EXPECT_EQ(c.slot_deletes, (std::vector<NftSlot>{{kDns, 0}}));
  EXPECT_TRUE(c.service_adds.empty());
  EXPECT_EQ(r.slots(kDns), nullptr);
}

TEST(NftRuleset, ANoOpChangesNothing) {
  NftRuleset r;
  (void)r.plan({AddService{kWeb}, AddBackend{kWeb, be(1)}});
  auto c = r.plan({DelBackend{kWeb, be(1)}, AddBackend{kWeb, be(1)}});
  EXPECT_TRUE(c.empty());
}

TEST(NftRuleset, RevertRestoresTouchedServicesAndForgetsNewChains) {
  NftRuleset r;
  (void)r.plan({AddService{kWeb}, AddBackend{kWeb, be(1)}});
  auto c = r.plan({AddBackend{kWeb, be(2)}, AddService{kDns}, AddBackend{kDns, be(3)}});
  r.revert(c);
  EXPECT_EQ(*r.slots(kWeb), std::vector<Backend>{be(1)});
  EXPECT_EQ(r.slots(kDns), nullptr);
  EXPECT_EQ(r.pick_chains(), Chains{pick(1)});
  // Planned again, the same changes come out (pick_2 is new again).
  auto again = r.plan({AddBackend{kWeb, be(2)}, AddService{kDns}, AddBackend{kDns, be(3)}});
  EXPECT_EQ(again.new_pick_chains, c.new_pick_chains);
  EXPECT_EQ(again.slot_adds, c.slot_adds);
}

TEST(NftRuleset, ResetForgetsEverything) {
  NftRuleset r;
  (void)r.plan({AddService{kWeb}, AddBackend{kWeb, be(1)}});
  r.reset(0);
  EXPECT_EQ(r.slots(kWeb), nullptr);
  EXPECT_TRUE(r.pick_chains().empty());
  r.reset(3);  // the reset batch made pick_1..pick_3
  EXPECT_EQ(r.pick_chains(), (Chains{pick(1), pick(2), pick(3), anypick(1), anypick(2), anypick(3)}));
  auto c = r.plan({AddService{kWeb}, AddBackend{kWeb, be(1)}, AddBackend{kWeb, be(2)}, AddBackend{kWeb, be(3)},
                   AddBackend{kWeb, be(4)}});
  EXPECT_EQ(c.new_pick_chains, std::vector<NftPickChain>{pick(4)});
}

TEST(NftRuleset, ACatchAllServiceUsesTheAnypickChains) {
  NftRuleset r;
  r.reset(1);
  auto c = r.plan({AddService{kWebAnyPort}, AddBackend{kWebAnyPort, any(1)}, AddBackend{kWebAnyPort, any(2)}});
  EXPECT_EQ(c.slot_adds, (SlotAdds{{NftSlot{kWebAnyPort, 0}, any(1)}, {NftSlot{kWebAnyPort, 1}, any(2)}}));
  EXPECT_EQ(c.new_pick_chains, std::vector<NftPickChain>{anypick(2)});
  // The same VIP's explicit port is its own service, with its own chain.
  c = r.plan({AddService{kWeb}, AddBackend{kWeb, be(1)}, AddBackend{kWeb, be(2)}});
  EXPECT_EQ(c.new_pick_chains, std::vector<NftPickChain>{pick(2)});
}

// The law: applying each plan to the (simulated) kernel never fails, and leaves maps that
// balance exactly the desired state, whatever sequence of states is asked for.
RC_GTEST_PROP(NftRuleset, KernelMapsAlwaysBalanceTheDesiredState, ()) {
  NftRuleset r;
  r.reset(*rc::gen::inRange<std::uint32_t>(0, 5));
  KernelMaps kernel;
  kernel.chains = r.pick_chains();
  LbState applied;
  auto rounds = *rc::gen::inRange(1, 12);
  for (int i = 0; i < rounds; ++i) {
    auto want = gen_ruleset_state();
    auto changes = r.plan(plan_lb(applied, want));
    RC_ASSERT(kernel.apply(changes));
    RC_ASSERT(kernel.balances(want));
    RC_ASSERT(kernel.chains == r.pick_chains());
    applied = want;
  }
}

// One endpoint added or removed touches at most 5 elements (one slot moved, one deleted, the
// service element replaced) and never rewrites a rule; only a first-ever count makes a chain.
RC_GTEST_PROP(NftRuleset, OneEndpointChangeTouchesAHandfulOfElements, ()) {
  NftRuleset r;
  KernelMaps kernel;
  auto n = *rc::gen::inRange(1, 20);
  std::vector<LbOp> ops{AddService{kWeb}};
  for (int j = 0; j < n; ++j) ops.push_back(AddBackend{kWeb, be(j)});
  RC_ASSERT(kernel.apply(r.plan(ops)));
  auto victim = be(*rc::gen::inRange(0, n));
  auto removed = r.plan({DelBackend{kWeb, victim}});
  RC_ASSERT(removed.element_count() <= 5u);
  RC_ASSERT(removed.new_pick_chains.size() <= 1u);
  RC_ASSERT(kernel.apply(removed));
  auto added = r.plan({AddBackend{kWeb, victim}});
  RC_ASSERT(added.element_count() == 3u);
  RC_ASSERT(added.new_pick_chains.empty());  // pick_<n> was made by the first program
  RC_ASSERT(kernel.apply(added));
}

}  // namespace shoal
