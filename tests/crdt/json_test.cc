#include "crdt/json_writer.h"

#include <gtest/gtest.h>

#include "crdt/state_json.h"
#include "random_history.h"

namespace shoal::crdt {
namespace {

TEST(JsonWriter, NestsAndSeparates) {
  JsonWriter w;
  w.begin_object().key("a").value(std::uint64_t{1}).key("b").begin_array();
  w.value("x").value(true).null().begin_object().end_object().end_array().end_object();
  EXPECT_EQ(w.str(), R"({"a":1,"b":["x",true,null,{}]})");
}

TEST(JsonWriter, EscapesStrings) {
  JsonWriter w;
  w.value(std::string_view("q\"b\\n\n\x01\xc3\xa9", 9));
  EXPECT_EQ(w.str(), "\"q\\\"b\\\\n\\n\\u0001\xc3\xa9\"");
}

TEST(JsonWriter, NonFiniteNumbersBecomeNull) {
  JsonWriter w;
  w.begin_array().value(0.25).value(1.0 / 0.0).end_array();
  EXPECT_EQ(w.str(), "[0.25,null]");
}

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
