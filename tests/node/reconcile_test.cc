#include "node/reconcile.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

namespace shoal {
namespace {

using runtime::TaskState;

// An assignment of service "web" with `slots` slots, slot i on node n(i % nodes).
placement::Assignment assignment(std::uint32_t slots, std::uint32_t nodes) {
  placement::Assignment a;
  a.services = {"web"};
  for (std::uint32_t n = 0; n < nodes; ++n) a.nodes.push_back(NodeId{"n" + std::to_string(n)});
  for (std::uint32_t s = 0; s < slots; ++s) a.tasks.push_back({0, s, s % nodes});
  return a;
}

std::map<std::string, ServicePlan> plan(std::uint64_t version) { return {{"web", ServicePlan{version, std::nullopt}}}; }

LocalTask task(std::uint32_t slot, std::uint64_t version, TaskState state) {
  return {task_id("web", slot, version), "web", slot, version, state};
}

TEST(Reconcile, TaskVersionInvertsTaskId) {
  EXPECT_EQ(task_version(task_id("web", 2, 7)), 7u);
  EXPECT_EQ(task_version(task_id("a.b", 0, 12)), 12u);
  EXPECT_EQ(task_version("web"), std::nullopt);
  EXPECT_EQ(task_version("web.2."), std::nullopt);
  EXPECT_EQ(task_version("web.2.x"), std::nullopt);
}

TEST(Reconcile, StartsOwnedSlotsOnly) {
  auto a = assignment(4, 2);
  auto act = reconcile(NodeId{"n0"}, a, plan(1), {}, {});
  ASSERT_EQ(act.start.size(), 2u);
  EXPECT_EQ(act.start[0], (StartTask{"web", 0, 1}));
  EXPECT_EQ(act.start[1], (StartTask{"web", 2, 1}));
  EXPECT_TRUE(act.stop.empty());
}

TEST(Reconcile, KeepsRunningTaskOfWantedVersion) {
  auto act = reconcile(NodeId{"n0"}, assignment(1, 1), plan(1), {}, {task(0, 1, TaskState::kHealthy)});
  EXPECT_TRUE(act.start.empty());
  EXPECT_TRUE(act.stop.empty());
}

TEST(Reconcile, StopFirstStopsOldBeforeStartingNew) {
  auto act = reconcile(NodeId{"n0"}, assignment(1, 1), plan(2), {}, {task(0, 1, TaskState::kHealthy)});
  EXPECT_EQ(act.stop, std::vector<std::string>{"web.0.1"});
  EXPECT_TRUE(act.start.empty());  // next round, once the old one has exited
  act = reconcile(NodeId{"n0"}, assignment(1, 1), plan(2), {}, {task(0, 1, TaskState::kShutdown)});
  EXPECT_EQ(act.start, (std::vector<StartTask>{{"web", 0, 2}}));
  EXPECT_EQ(act.forget, std::vector<std::string>{"web.0.1"});
}

TEST(Reconcile, StartFirstKeepsOldUntilNewIsHealthy) {
  std::map<std::string, ServiceOrder> order{{"web", {true}}};
  auto act = reconcile(NodeId{"n0"}, assignment(1, 1), plan(2), order, {task(0, 1, TaskState::kHealthy)});
  EXPECT_EQ(act.start, (std::vector<StartTask>{{"web", 0, 2}}));
  EXPECT_TRUE(act.stop.empty());
  act = reconcile(NodeId{"n0"}, assignment(1, 1), plan(2), order,
                  {task(0, 1, TaskState::kHealthy), task(0, 2, TaskState::kRunning)});
  EXPECT_TRUE(act.stop.empty());  // new one not healthy yet
  act = reconcile(NodeId{"n0"}, assignment(1, 1), plan(2), order,
                  {task(0, 1, TaskState::kHealthy), task(0, 2, TaskState::kHealthy)});
  EXPECT_EQ(act.stop, std::vector<std::string>{"web.0.1"});
}

TEST(Reconcile, StopsTasksOfSlotsNoLongerOwned) {
  // scaled down / moved / removed: slot 1 belongs to n1 now, service gone entirely for "old"
  auto act = reconcile(NodeId{"n0"}, assignment(2, 2), plan(1), {},
                       {task(0, 1, TaskState::kHealthy), task(1, 1, TaskState::kHealthy),
                        {"old.0.1", "old", 0, 1, TaskState::kRunning}, {"old.1.1", "old", 1, 1, TaskState::kFailed}});
  EXPECT_EQ(act.stop, (std::vector<std::string>{"old.0.1", "web.1.1"}));
  EXPECT_EQ(act.forget, std::vector<std::string>{"old.1.1"});
}

TEST(Reconcile, FailedTaskOfWantedVersionIsLeftToRestartPolicy) {
  auto act = reconcile(NodeId{"n0"}, assignment(1, 1), plan(1), {}, {task(0, 1, TaskState::kFailed)});
  EXPECT_TRUE(act.start.empty());
  EXPECT_TRUE(act.forget.empty());
}

TEST(Reconcile, ShutdownTaskOfWantedVersionStartsAgain) {
  auto act = reconcile(NodeId{"n0"}, assignment(1, 1), plan(1), {}, {task(0, 1, TaskState::kShutdown)});
  EXPECT_EQ(act.start, (std::vector<StartTask>{{"web", 0, 1}}));
}

// Laws: never two starts for one slot; never start a slot this node does not own; with
// stop-first, never start while another version of the slot is live; every live task of an
// unowned slot is stopped.
RC_GTEST_PROP(Reconcile, Laws, ()) {
  const auto slots = *rc::gen::inRange<std::uint32_t>(1, 8);
  const auto nodes = *rc::gen::inRange<std::uint32_t>(1, 4);
  const auto want = *rc::gen::inRange<std::uint64_t>(1, 4);
  const bool start_first = *rc::gen::arbitrary<bool>();
  const auto n = *rc::gen::inRange<std::size_t>(0, 12);
  std::vector<LocalTask> local;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < n; ++i) {
    auto slot = *rc::gen::inRange<std::uint32_t>(0, 10);
    auto version = *rc::gen::inRange<std::uint64_t>(1, 4);
    auto state = static_cast<TaskState>(*rc::gen::inRange(0, 6));
    LocalTask t = task(slot, version, state);
    if (ids.insert(t.id).second) local.push_back(t);
  }
  auto a = assignment(slots, nodes);
  std::map<std::string, ServiceOrder> order{{"web", {start_first}}};
  auto act = reconcile(NodeId{"n0"}, a, plan(want), order, local);
  std::set<std::uint32_t> started;
  for (const auto& s : act.start) {
    RC_ASSERT(started.insert(s.slot).second);
    RC_ASSERT(s.slot < slots && s.slot % nodes == 0);
    RC_ASSERT(s.version == want);
    if (!start_first)
      for (const auto& t : local)
        if (t.slot == s.slot && t.version != want)
          RC_ASSERT(t.state == TaskState::kFailed || t.state == TaskState::kShutdown);
  }
  for (const auto& t : local) {
    bool owned = t.slot < slots && t.slot % nodes == 0;
    bool live = t.state != TaskState::kFailed && t.state != TaskState::kShutdown;
    bool stopped = std::count(act.stop.begin(), act.stop.end(), t.id) > 0;
    if (!owned && live) RC_ASSERT(stopped);
    if (owned && t.version == want) RC_ASSERT(!stopped);
  }
}

}  // namespace
}  // namespace shoal
