// The events a merged delta makes (node/state_events.h): one per real change, none for a delta
// already merged.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "node/state_events.h"

namespace shoal::node {
namespace {

crdt::ServiceSpec spec_of(std::uint32_t replicas) {
  crdt::ServiceSpec s;
  s.task.command = "/bin/true";
  s.replicas = replicas;
  return s;
}

// Merges `delta` into `into` and returns the events of that merge.
std::vector<ClusterEvent> merge(crdt::Replica& into, const crdt::DesiredState& delta) {
  StateProbe probe(into.state(), delta);
  into.merge(delta);
  return probe.events(into.state());
}

TEST(StateEvents, ServiceCreatedUpdatedRemoved) {
  crdt::Replica writer(NodeId{"n1"}), seer(NodeId{"n2"});
  auto created = merge(seer, *writer.create_service(1000, "web", spec_of(2)));
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].type, EventType::kService);
  EXPECT_EQ(created[0].action, "created");
  EXPECT_EQ(created[0].name, "web");
  EXPECT_EQ(created[0].attributes.at("replicas"), "2");

  auto scaled = merge(seer, *writer.scale_service(2000, "web", 5));
  ASSERT_EQ(scaled.size(), 1u);
  EXPECT_EQ(scaled[0].action, "updated");
  EXPECT_EQ(scaled[0].attributes.at("replicas"), "5");

  auto removed = merge(seer, *writer.remove_service(3000, "web"));
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].action, "removed");
}

// A heal that discards a concurrent write of the same field says so, once, on each side.
TEST(StateEvents, AMergeThatDiscardsAWriteMakesAConflictEvent) {
  crdt::Replica a(NodeId{"n1"}), b(NodeId{"n2"});
  merge(b, *a.create_service(1000, "web", spec_of(2)));
  auto from_a = *a.scale_service(2000, "web", 5);
  auto from_b = *b.scale_service(3000, "web", 3);
  auto at_a = merge(a, from_b);
  ASSERT_EQ(at_a.size(), 2u);
  EXPECT_EQ(at_a[0].action, "updated");
  EXPECT_EQ(at_a[1].action, "conflict");
  EXPECT_EQ(at_a[1].attributes.at("field"), "scale");
  EXPECT_EQ(at_a[1].attributes.at("lost"), "replicas=5");
  EXPECT_EQ(at_a[1].attributes.at("lost_by"), "n1");
  EXPECT_EQ(at_a[1].attributes.at("won"), "replicas=3");
  EXPECT_EQ(at_a[1].attributes.at("won_by"), "n2");
  auto at_b = merge(b, from_a);
  ASSERT_EQ(at_b.size(), 1u) << "n2's value stays (no update), but its journal gained the loser";
  EXPECT_EQ(at_b[0].action, "conflict");
  EXPECT_TRUE(merge(b, from_a).empty()) << "merged again: no second event";
  // A later write carries the journal: no new event for the same conflict.
  auto later = merge(b, *a.scale_service(4000, "web", 4));
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].action, "updated");
}

TEST(StateEvents, NodeAvailabilityAndTaskStates) {
  crdt::Replica writer(NodeId{"n1"}), seer(NodeId{"n2"});
  auto drained = merge(seer, writer.set_availability(1000, NodeId{"n3"}, Availability::kDrain));
  ASSERT_EQ(drained.size(), 1u);
  EXPECT_EQ(drained[0].type, EventType::kNode);
  EXPECT_EQ(drained[0].name, "n3");
  EXPECT_EQ(drained[0].attributes.at("availability"), "drain");

  crdt::TaskStatus t;
  t.service = "web";
  t.slot = 2;
  t.spec_version = 1;
  t.state = TaskState::kRunning;
  auto running = merge(seer, writer.put_task(1000, t));
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].type, EventType::kTask);
  EXPECT_EQ(running[0].action, "running");
  EXPECT_EQ(running[0].name, "web.2");
  EXPECT_EQ(running[0].attributes.at("node"), "n1");
  EXPECT_EQ(running[0].attributes.at("service"), "web");

  t.state = TaskState::kFailed;
  t.error = "exit 3";
  auto failed = merge(seer, writer.put_task(2000, t));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].action, "failed");
  EXPECT_EQ(failed[0].attributes.at("error"), "exit 3");

  // The same state written again (a newer since_ms, say) is no event.
  t.since_ms = 5;
  EXPECT_TRUE(merge(seer, writer.put_task(3000, t)).empty());
}

TEST(StateEvents, MemberEvents) {
  membership::Event e;
  e.kind = membership::Event::kFailed;
  e.member.id = NodeId{"n2"};
  e.member.addr = "127.0.0.1:7946";
  ClusterEvent m = member_event(e);
  EXPECT_EQ(m.type, EventType::kMember);
  EXPECT_EQ(m.action, "failed");
  EXPECT_EQ(m.name, "n2");
  EXPECT_EQ(m.attributes.at("addr"), "127.0.0.1:7946");
}

// Law: merging is idempotent, and so are its events: a delta merged a second time (anti-entropy
// and gossip both deliver it) says nothing new, whatever writes came before.
RC_GTEST_PROP(StateEvents, ADeltaMergedTwiceMakesNoSecondEvent, ()) {
  crdt::Replica writer(NodeId{"n1"}), seer(NodeId{"n2"});
  const auto ops = *rc::gen::container<std::vector<std::pair<int, int>>>(
      rc::gen::pair(rc::gen::inRange(0, 4), rc::gen::inRange(0, 3)));
  std::uint64_t now = 1000;
  for (auto [op, which] : ops) {
    const std::string name = "s" + std::to_string(which);
    now += 10;
    Result<crdt::DesiredState> delta = make_error("none");
    if (op == 0) delta = writer.create_service(now, name, spec_of(1));
    else if (op == 1) delta = writer.scale_service(now, name, static_cast<std::uint32_t>(which + 2));
    else if (op == 2) delta = writer.remove_service(now, name);
    else delta = writer.set_availability(now, NodeId{name}, Availability::kPause);
    if (!delta) continue;
    merge(seer, *delta);
    RC_ASSERT(merge(seer, *delta).empty());
  }
}

}  // namespace
}  // namespace shoal::node
