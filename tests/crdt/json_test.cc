#include <gtest/gtest.h>

#include "crdt/state_json.h"
#include "random_history.h"

namespace shoal::crdt {
namespace {

TEST(StateJson, DumpShowsServicesAvailabilityTasksAndTombstones) {
  Replica r(testing::node(0));
  (void)r.create_service(100, "web", testing::spec_with(2));
  (void)r.create_service(101, "old", testing::spec_with(1));
  (void)r.remove_service(102, "old");
  r.set_availability(103, testing::node(1), Availability::kDrain);
  r.put_task(104, TaskStatus{"web", 1, 1, TaskState::kRunning, "", "10.0.0.9", 104});
  std::string json = dump_state_json(r.state());
  EXPECT_NE(json.find(R"("name":"web","version":1)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("replicas":2)"), std::string::npos);
  EXPECT_NE(json.find(R"("tombstones":[{"dot":["n0",2],"removed_by":["n0",3])"),
            std::string::npos) << json;
  EXPECT_NE(json.find(R"("node":"n1","value":"drain")"), std::string::npos);
  EXPECT_NE(json.find(R"("state":"running","error":"","address":"10.0.0.9")"), std::string::npos);
  EXPECT_NE(json.find(R"("vv":{"n0":5})"), std::string::npos) << json;
  EXPECT_EQ(json, dump_state_json(r.state())) << "deterministic";
}

}  // namespace
}  // namespace shoal::crdt
