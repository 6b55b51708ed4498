// The event log (node/event_log.h): seq stamping, the bound, queries and filters.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "node/event_log.h"

namespace shoal::node {
namespace {

ClusterEvent event(EventType type, const std::string& action, const std::string& name) {
  return make_event(type, action, name);
}

TEST(EventLog, StampsSeqAndTimeAndDropsTheOldestPastCapacity) {
  EventLog log(3);
  for (int i = 0; i < 5; ++i) log.append(event(EventType::kService, "created", "s" + std::to_string(i)), 100 + i);
  ASSERT_EQ(log.events().size(), 3u);
  EXPECT_EQ(log.events().front().seq, 3u);
  EXPECT_EQ(log.events().front().name, "s2");
  EXPECT_EQ(log.events().back().time_ms, 104u);
  EXPECT_EQ(log.last_seq(), 5u);
}

TEST(EventLog, QueriesByCursorTimeTypeAndName) {
  EventLog log;
  log.append(event(EventType::kMember, "joined", "n2"), 1000);
  log.append(event(EventType::kService, "created", "web"), 2000);
  ClusterEvent task = event(EventType::kTask, "running", "web.0");
  task.attributes = {{"service", "web"}, {"node", "n2"}};
  log.append(task, 3000);
  log.append(event(EventType::kService, "created", "db"), 4000);

  EXPECT_EQ(log.query({}).size(), 4u);
  EventQuery after;
  after.after_seq = 3;
  EXPECT_EQ(log.query(after).size(), 1u);
  EventQuery window;
  window.since_ms = 2000;
  window.until_ms = 3000;
  EXPECT_EQ(log.query(window).size(), 2u);

  EventQuery services;
  ASSERT_TRUE(add_event_filter(services, "type=service"));
  EXPECT_EQ(log.query(services).size(), 2u);

  EventQuery web;  // the service and its tasks
  ASSERT_TRUE(add_event_filter(web, "name=web"));
  auto got = log.query(web);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].name, "web.0");

  EventQuery n2;  // the member and the tasks it runs
  ASSERT_TRUE(add_event_filter(n2, "node=n2"));
  EXPECT_EQ(log.query(n2).size(), 2u);
}

TEST(EventLog, BadFiltersSayWhatIsAccepted) {
  EventQuery q;
  auto no_value = add_event_filter(q, "type");
  ASSERT_FALSE(no_value);
  EXPECT_NE(no_value.message().find("KEY=VALUE"), std::string::npos);
  auto bad_type = add_event_filter(q, "type=container");
  ASSERT_FALSE(bad_type);
  EXPECT_NE(bad_type.message().find("member, node, service or task"), std::string::npos);
  EXPECT_FALSE(add_event_filter(q, "label=x=y"));
}

TEST(EventLog, RestoreKeepsSeqOrderAndContinuesAfterIt) {
  EventLog log;
  ClusterEvent e = event(EventType::kService, "created", "web");
  e.seq = 7;
  EXPECT_TRUE(log.restore(e));
  e.seq = 7;
  EXPECT_FALSE(log.restore(e));  // a duplicated line
  e.seq = 5;
  EXPECT_FALSE(log.restore(e));  // out of order
  EXPECT_EQ(log.append(event(EventType::kService, "removed", "web"), 9).seq, 8u);
}

// Law: a follower that asks with its cursor sees every kept event exactly once, whatever the
// sizes of the batches it asks between.
RC_GTEST_PROP(EventLog, AFollowerSeesEachKeptEventOnce, ()) {
  const auto batches = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 80));
  EventLog log(50);
  std::uint64_t cursor = 0, seen = 0, expected_next = 1;
  for (int n : batches) {
    for (int i = 0; i < n; ++i) log.append(event(EventType::kTask, "running", "t"), 1);
    EventQuery q;
    q.after_seq = cursor;
    for (const auto& e : log.query(q)) {
      RC_ASSERT(e.seq > cursor);
      if (n <= 50) RC_ASSERT(e.seq == expected_next);  // nothing dropped before it was read
      expected_next = e.seq + 1;
      cursor = e.seq;
      ++seen;
    }
    RC_ASSERT(cursor == log.last_seq());
  }
  RC_ASSERT(seen <= log.last_seq());
}

}  // namespace
}  // namespace shoal::node
