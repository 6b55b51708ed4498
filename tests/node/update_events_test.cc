// Rolling-update events (node/update_events.h): one per phase a node sees a service's update in.
#include <gtest/gtest.h>

#include "node/update_events.h"

namespace shoal::node {
namespace {

std::map<std::string, ServicePlan> plan(std::uint64_t target, std::optional<placement::UpdatePhase> phase) {
  ServicePlan p;
  p.version = target;
  if (phase) {
    p.update.emplace();
    p.update->target_version = target;
    p.update->phase = *phase;
  }
  return {{"web", p}};
}

std::vector<std::string> actions(const std::vector<ClusterEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.action + "@" + e.attributes.at("version"));
  return out;
}

using P = placement::UpdatePhase;

std::vector<ClusterEvent> step(UpdateMarks& marks, const std::map<std::string, ServicePlan>& plans) {
  static const crdt::DesiredState kNoServices;
  return update_events(marks, plans, kNoServices);
}

TEST(UpdateEvents, AnUpdateStartsMonitorsAndCompletes) {
  UpdateMarks marks;
  EXPECT_TRUE(step(marks, plan(1, std::nullopt)).empty());
  EXPECT_EQ(actions(step(marks, plan(2, P::kUpdating))), std::vector<std::string>{"update_started@2"});
  EXPECT_TRUE(step(marks, plan(2, P::kUpdating)).empty());  // the same phase: nothing new
  EXPECT_EQ(actions(step(marks, plan(2, P::kMonitoring))), std::vector<std::string>{"update_monitoring@2"});
  EXPECT_EQ(actions(step(marks, plan(2, std::nullopt))), std::vector<std::string>{"update_completed@2"});
  EXPECT_TRUE(step(marks, plan(2, std::nullopt)).empty());
}

TEST(UpdateEvents, AFailedUpdateRollsBackAndTheRollbackIsAnUpdateOfItsOwn) {
  UpdateMarks marks;
  step(marks, plan(2, P::kUpdating));
  EXPECT_EQ(actions(step(marks, plan(2, P::kRollingBack))), std::vector<std::string>{"update_rolling_back@2"});
  // The rollback is written as version 3 (the previous spec): a new update, seen mid-way.
  EXPECT_EQ(actions(step(marks, plan(3, P::kMonitoring))),
            (std::vector<std::string>{"update_started@3", "update_monitoring@3"}));
}

TEST(UpdateEvents, APausedUpdateSaysSoOnceAndARemovedServiceIsForgotten) {
  UpdateMarks marks;
  step(marks, plan(2, P::kUpdating));
  EXPECT_EQ(actions(step(marks, plan(2, P::kPaused))), std::vector<std::string>{"update_paused@2"});
  EXPECT_TRUE(step(marks, plan(2, P::kPaused)).empty());
  EXPECT_TRUE(step(marks, {}).empty());
  EXPECT_TRUE(marks.empty());
}

}  // namespace
}  // namespace shoal::node
