#include "loadbalancer/lb_plan.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "loadbalancer/lb_backend.h"
#include "loadbalancer/lb_types.h"
#include "tests/loadbalancer/lb_test_values.h"

namespace shoal {

namespace {

ServiceKey svc(int n) { return ServiceKey{Ipv4{0x0A600000u + std::uint32_t(n)}, Protocol::kTcp, 80}; }

LbState gen_state() {
  LbState s;
  auto services = *rc::gen::inRange(0, 6);
  for (int i = 0; i < services; ++i) {
    auto& set = s[svc(*rc::gen::inRange(1, 8))];
    auto count = *rc::gen::inRange(0, 6);
    for (int j = 0; j < count; ++j) set.insert(be(*rc::gen::inRange(1, 10)));
  }
  return s;
}

// Records ops; fails on request.
class FakeBackend : public LbBackend {
 public:
  std::vector<std::vector<LbOp>> applied;
  int resets = 0;
  bool fail_next = false;
  const char* name() const override { return "fake"; }
  Status reset() override {
    ++resets;
    return {};
  }
  Status apply(const std::vector<LbOp>& ops) override {
    if (fail_next) {
      fail_next = false;
      return make_error("injected");
    }
    applied.push_back(ops);
    return {};
  }
};

}  // namespace

TEST(LbPlan, NewServiceThenItsBackends) {
  LbState want{{svc(1), {be(1), be(2)}}};
  std::vector<LbOp> expected{AddService{svc(1)}, AddBackend{svc(1), be(1)}, AddBackend{svc(1), be(2)}};
  EXPECT_EQ(plan_lb({}, want), expected);
  EXPECT_EQ(plan_lb(want, {}), std::vector<LbOp>{DelService{svc(1)}});
}

TEST(LbPlan, OneEndpointChangeIsOneOp) {
  LbState have{{svc(1), {be(1), be(2)}}, {svc(2), {be(3)}}};
  LbState want = have;
  want[svc(1)].erase(be(2));
  EXPECT_EQ(plan_lb(have, want), (std::vector<LbOp>{DelBackend{svc(1), be(2)}}));
  want = have;
  want[svc(2)].insert(be(4));
  EXPECT_EQ(plan_lb(have, want), (std::vector<LbOp>{AddBackend{svc(2), be(4)}}));
}

RC_GTEST_PROP(LbPlan, ApplyingThePlanReachesTheDesiredState, ()) {
  LbState have = gen_state(), want = gen_state();
  RC_ASSERT(apply_ops(have, plan_lb(have, want)) == want);
  RC_ASSERT(plan_lb(want, want).empty());
}

RC_GTEST_PROP(LbPlan, PlanSizeIsTheSizeOfTheDifference, ()) {
  LbState have = gen_state(), want = gen_state();
  std::size_t expected = 0;
  for (const auto& [k, b] : want) {
    auto it = have.find(k);
    if (it == have.end()) {
      expected += 1 + b.size();
      continue;
    }
    for (const auto& x : b) expected += it->second.count(x) ? 0 : 1;
    for (const auto& x : it->second) expected += b.count(x) ? 0 : 1;
  }
  for (const auto& [k, b] : have) expected += want.count(k) ? 0 : 1;
  RC_ASSERT(plan_lb(have, want).size() == expected);
}

TEST(LoadBalancer, SyncSendsOnlyTheDifference) {
  FakeBackend backend;
  LoadBalancer lb(backend);
  LbState want{{svc(1), {be(1), be(2)}}};
  ASSERT_TRUE(lb.sync(want).ok());
  EXPECT_EQ(backend.resets, 1);  // first sync starts from a clean slate
  want[svc(1)].insert(be(3));
  ASSERT_TRUE(lb.sync(want).ok());
  EXPECT_EQ(backend.applied.back(), (std::vector<LbOp>{AddBackend{svc(1), be(3)}}));
  ASSERT_TRUE(lb.sync(want).ok());
  EXPECT_EQ(backend.applied.size(), 2u);  // nothing to do, nothing sent
}

TEST(LoadBalancer, FailedApplyResetsAndResyncsEverything) {
  FakeBackend backend;
  LoadBalancer lb(backend);
  LbState want{{svc(1), {be(1)}}};
  ASSERT_TRUE(lb.sync(want).ok());
  want[svc(2)] = {be(2)};
  backend.fail_next = true;
  auto st = lb.sync(want);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("fake: injected"), std::string::npos);
  ASSERT_TRUE(lb.sync(want).ok());
  EXPECT_EQ(backend.resets, 2);
  EXPECT_EQ(apply_ops({}, backend.applied.back()), want);  // full program after the reset
  EXPECT_EQ(lb.applied(), want);
}

}  // namespace shoal
