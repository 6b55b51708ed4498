#include "placement/update_plan.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <random>

namespace shoal::placement {
namespace {

Assignment assignment_of(std::uint32_t slots, std::uint32_t nodes) {
  Assignment a;
  a.services = {"web"};
  for (std::uint32_t n = 0; n < nodes; ++n) a.nodes.push_back(NodeId{"n" + std::to_string(100 + n)});
  for (std::uint32_t s = 0; s < slots; ++s) a.tasks.push_back(PlacedTask{0, s, s % nodes});
  return a;
}

bool live(const TaskStatus& t) { return t.state != TaskState::kFailed && t.state != TaskState::kShutdown; }

// A small world of runners: they obey plans, and their tasks progress (or fail) at random.
struct World {
  Assignment assignment;
  std::vector<TaskStatus> status;
  std::uint64_t now_ms = 1000;
  std::mt19937_64 rng;
  double fail_probability = 0;

  World(std::uint32_t slots, std::uint32_t nodes, std::uint64_t seed)
      : assignment(assignment_of(slots, nodes)), rng(seed) {
    for (const PlacedTask& t : assignment.tasks)
      status.push_back(TaskStatus{"web", t.slot, assignment.nodes[t.node], 1, TaskState::kHealthy, 0});
  }

  void apply(const UpdatePlan& plan) {
    for (const SlotAction& a : plan.actions) {
      if (a.order == UpdateOrder::kStopFirst)
        for (TaskStatus& t : status)
          if (t.slot == a.slot && t.node == a.node && live(t)) t = {t.service, t.slot, t.node, t.spec_version, TaskState::kShutdown, now_ms};
      status.push_back(TaskStatus{"web", a.slot, a.node, a.to_version, TaskState::kStarting, now_ms});
    }
  }

  void progress() {
    now_ms += std::uniform_int_distribution<std::uint64_t>(1, 400)(rng);
    std::vector<TaskStatus> added;
    for (TaskStatus& t : status) {
      if (std::uniform_int_distribution<int>(0, 2)(rng) != 0) continue;
      if (t.state == TaskState::kStarting) {
        t.state = TaskState::kRunning;
        t.since_ms = now_ms;
      } else if (t.state == TaskState::kRunning) {
        bool fails = std::bernoulli_distribution(fail_probability)(rng);
        t.state = fails ? TaskState::kFailed : TaskState::kHealthy;
        t.since_ms = now_ms;
      }
    }
    // Start-first: once a slot's newer task is healthy, the runner stops the older one.
    for (TaskStatus& old : status) {
      if (!live(old)) continue;
      for (const TaskStatus& t : status)
        if (t.slot == old.slot && t.node == old.node && t.spec_version != old.spec_version &&
            t.state == TaskState::kHealthy && t.since_ms >= old.since_ms) {
          old.state = TaskState::kShutdown;
          old.since_ms = now_ms;
          break;
        }
    }
  }

  // Slots with no healthy task of any version: out of service.
  std::uint32_t down() const {
    std::uint32_t down = 0;
    for (const PlacedTask& p : assignment.tasks) {
      bool up = false;
      for (const TaskStatus& t : status)
        up = up || (t.slot == p.slot && t.state == TaskState::kHealthy);
      down += !up;
    }
    return down;
  }
};

UpdateConfig config_of(std::uint32_t parallelism, UpdateOrder order, FailureAction action) {
  UpdateConfig c;
  c.parallelism = parallelism;
  c.delay_ms = 300;
  c.monitor_ms = 2000;
  c.order = order;
  c.failure_action = action;
  return c;
}

RC_GTEST_PROP(UpdatePlan, StopFirstNeverTakesMoreThanParallelismDownAndCompletes, ()) {
  std::uint32_t slots = *rc::gen::inRange<std::uint32_t>(1, 25);
  std::uint32_t parallelism = *rc::gen::inRange<std::uint32_t>(1, 6);
  World w(slots, *rc::gen::inRange<std::uint32_t>(1, 8), *rc::gen::arbitrary<std::uint64_t>());
  UpdateConfig cfg = config_of(parallelism, UpdateOrder::kStopFirst, FailureAction::kPause);
  UpdatePlan plan;
  for (int step = 0; step < 3000 && plan.phase != UpdatePhase::kCompleted; ++step) {
    Result<UpdatePlan> p = update_plan(w.assignment, "web", w.status, {1, cfg}, {2, cfg}, w.now_ms);
    RC_ASSERT(p.ok());
    plan = *p;
    RC_ASSERT(plan.directives.size() == slots);  // never loses a slot
    RC_ASSERT(plan.actions.size() + plan.in_flight <= parallelism);
    w.apply(plan);
    RC_ASSERT(w.down() <= parallelism);
    w.progress();
  }
  RC_ASSERT(plan.phase == UpdatePhase::kCompleted);
  RC_ASSERT(plan.healthy == slots);
  for (const SlotDirective& d : plan.directives) RC_ASSERT(d.version == 2u);
}

RC_GTEST_PROP(UpdatePlan, StartFirstKeepsEverySlotServing, ()) {
  std::uint32_t slots = *rc::gen::inRange<std::uint32_t>(1, 20);
  std::uint32_t parallelism = *rc::gen::inRange<std::uint32_t>(0, 5);  // 0 = all at once
  World w(slots, 3, *rc::gen::arbitrary<std::uint64_t>());
  UpdateConfig cfg = config_of(parallelism, UpdateOrder::kStartFirst, FailureAction::kPause);
  UpdatePlan plan;
  for (int step = 0; step < 3000 && plan.phase != UpdatePhase::kCompleted; ++step) {
    plan = *update_plan(w.assignment, "web", w.status, {1, cfg}, {2, cfg}, w.now_ms);
    RC_ASSERT(plan.in_flight <= (parallelism == 0 ? slots : parallelism));
    w.apply(plan);
    RC_ASSERT(w.down() == 0u);
    w.progress();
  }
  RC_ASSERT(plan.phase == UpdatePhase::kCompleted);
}

RC_GTEST_PROP(UpdatePlan, PauseStopsStartingWavesAfterTooManyFailures, ()) {
  std::uint32_t slots = *rc::gen::inRange<std::uint32_t>(4, 20);
  World w(slots, 4, *rc::gen::arbitrary<std::uint64_t>());
  w.fail_probability = 1.0;  // every new task fails
  UpdateConfig cfg = config_of(2, UpdateOrder::kStopFirst, FailureAction::kPause);
  cfg.max_failure_ratio = 0.1;
  std::uint32_t started = 0;
  for (int step = 0; step < 400; ++step) {
    UpdatePlan plan = *update_plan(w.assignment, "web", w.status, {1, cfg}, {2, cfg}, w.now_ms);
    if (plan.phase == UpdatePhase::kPaused) RC_ASSERT(plan.actions.empty());
    started += static_cast<std::uint32_t>(plan.actions.size());
    w.apply(plan);
    w.progress();
  }
  // Failures allowed: floor(0.1 * slots); the wave that crosses it is the last one started.
  std::uint32_t allowed = static_cast<std::uint32_t>(0.1 * slots);
  RC_ASSERT(started <= allowed + 2);
  UpdatePlan last = *update_plan(w.assignment, "web", w.status, {1, cfg}, {2, cfg}, w.now_ms);
  RC_ASSERT(last.phase == UpdatePhase::kPaused);
}

TEST(UpdatePlan, RollbackRunsTheSameWavesBackToTheOldVersion) {
  World w(10, 3, 7);
  UpdateConfig cfg = config_of(2, UpdateOrder::kStopFirst, FailureAction::kRollback);
  w.fail_probability = 1.0;
  UpdatePlan plan;
  bool rolled = false;
  for (int step = 0; step < 2000; ++step) {
    plan = *update_plan(w.assignment, "web", w.status, {1, cfg}, {2, cfg}, w.now_ms);
    ASSERT_LE(plan.actions.size() + plan.in_flight, 2u);
    if (plan.phase == UpdatePhase::kRollingBack) {
      rolled = true;
      w.fail_probability = 0;  // the old version is good
      EXPECT_EQ(plan.target_version, 1u);
      for (const SlotAction& a : plan.actions) EXPECT_EQ(a.to_version, 1u);
      if (plan.healthy == 10u) break;
    }
    w.apply(plan);
    w.progress();
  }
  EXPECT_TRUE(rolled);
  EXPECT_EQ(plan.healthy, 10u);
  for (const SlotDirective& d : plan.directives) EXPECT_EQ(d.version, 1u);
}

TEST(UpdatePlan, FirstWaveStartsAtOnceInSlotOrder) {
  World w(5, 2, 1);
  UpdateConfig cfg = config_of(2, UpdateOrder::kStopFirst, FailureAction::kPause);
  UpdatePlan plan = *update_plan(w.assignment, "web", w.status, {1, cfg}, {2, cfg}, w.now_ms);
  EXPECT_EQ(plan.phase, UpdatePhase::kUpdating);
  ASSERT_EQ(plan.actions.size(), 2u);
  EXPECT_EQ(plan.actions[0], (SlotAction{0, NodeId{"n100"}, 1, 2, UpdateOrder::kStopFirst}));
  EXPECT_EQ(plan.actions[1].slot, 1u);
  EXPECT_EQ(plan.directives[2].version, 1u);
}

TEST(UpdatePlan, NextWaveWaitsForTheDelay) {
  World w(4, 2, 1);
  UpdateConfig cfg = config_of(2, UpdateOrder::kStopFirst, FailureAction::kPause);
  cfg.delay_ms = 1000;
  // Wave 0 (slots 0 and 1) turned healthy on v2 at t=5000 and 5200.
  w.status[0] = {"web", 0, w.assignment.nodes[0], 2, TaskState::kHealthy, 5000};
  w.status[1] = {"web", 1, w.assignment.nodes[1], 2, TaskState::kHealthy, 5200};
  UpdatePlan early = *update_plan(w.assignment, "web", w.status, {1, cfg}, {2, cfg}, 6000);
  EXPECT_TRUE(early.actions.empty());
  EXPECT_EQ(early.next_deadline_ms, std::optional<std::uint64_t>(6200));
  UpdatePlan late = *update_plan(w.assignment, "web", w.status, {1, cfg}, {2, cfg}, 6200);
  EXPECT_EQ(late.actions.size(), 2u);
}

TEST(UpdatePlan, MonitorsAfterTheLastWaveThenCompletes) {
  World w(2, 2, 1);
  UpdateConfig cfg = config_of(2, UpdateOrder::kStopFirst, FailureAction::kPause);
  for (TaskStatus& t : w.status) t = {"web", t.slot, t.node, 2, TaskState::kHealthy, 10'000};
  UpdatePlan watching = *update_plan(w.assignment, "web", w.status, {1, cfg}, {2, cfg}, 11'000);
  EXPECT_EQ(watching.phase, UpdatePhase::kMonitoring);
  EXPECT_EQ(watching.next_deadline_ms, std::optional<std::uint64_t>(12'000));
  UpdatePlan done = *update_plan(w.assignment, "web", w.status, {1, cfg}, {2, cfg}, 12'000);
  EXPECT_EQ(done.phase, UpdatePhase::kCompleted);
}

TEST(UpdatePlan, SameInputsSamePlanInAnyStatusOrder) {
  World w(12, 4, 3);
  UpdateConfig cfg = config_of(3, UpdateOrder::kStopFirst, FailureAction::kPause);
  for (int step = 0; step < 20; ++step) {
    w.apply(*update_plan(w.assignment, "web", w.status, {1, cfg}, {2, cfg}, w.now_ms));
    w.progress();
  }
  std::vector<TaskStatus> reversed(w.status.rbegin(), w.status.rend());
  EXPECT_EQ(*update_plan(w.assignment, "web", w.status, {1, cfg}, {2, cfg}, w.now_ms),
            *update_plan(w.assignment, "web", reversed, {1, cfg}, {2, cfg}, w.now_ms));
}

TEST(UpdatePlan, RejectsBadRequests) {
  Assignment a = assignment_of(2, 1);
  UpdateConfig cfg;
  EXPECT_NE(update_plan(a, "nope", {}, {1, cfg}, {2, cfg}, 0).message().find("not in the assignment"),
            std::string::npos);
  EXPECT_NE(update_plan(a, "web", {}, {2, cfg}, {2, cfg}, 0).message().find("not newer"), std::string::npos);
  cfg.max_failure_ratio = 1.5;
  EXPECT_FALSE(update_plan(a, "web", {}, {1, cfg}, {2, cfg}, 0).ok());
}

}  // namespace
}  // namespace shoal::placement
