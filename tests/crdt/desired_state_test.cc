#include "crdt/desired_state.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "crdt/codec.h"
#include "random_history.h"

namespace shoal::crdt {
namespace {

using testing::Cluster;
using testing::node;
using testing::spec_with;

DesiredState merged(DesiredState a, const DesiredState& b) {
  a.merge(b);
  return a;
}

TEST(Replica, CreateThenDuplicateCreateFails) {
  Replica r(node(0));
  ASSERT_TRUE(r.create_service(1000, "web", spec_with(3)).ok());
  auto again = r.create_service(1001, "web", spec_with(3));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.message(), "service web already exists");
}

TEST(Replica, UnknownServiceErrors) {
  Replica r(node(0));
  EXPECT_EQ(r.scale_service(1, "web", 2).message(), "no service named web");
  EXPECT_EQ(r.remove_service(1, "web").message(), "no service named web");
  EXPECT_EQ(r.rollback_service(1, "web").message(), "no service named web");
}

TEST(Replica, DeltaOfOneWriteHoldsOnlyThatWrite) {
  Replica r(node(0));
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(r.create_service(1000, "svc" + std::to_string(i), spec_with(1)).ok());
  }
  auto delta = r.scale_service(2000, "svc7", 5);
  ASSERT_TRUE(delta.ok());
  EXPECT_EQ(delta->services.entries.size(), 1u);
  // The new write, plus the tombstone of the write it replaced.
  EXPECT_EQ(delta->services.entries.at("svc7").live.size(), 1u);
  EXPECT_EQ(delta->services.entries.at("svc7").removed.size(), 1u);
  EXPECT_LT(encode_state(*delta).size(), 300u);
  EXPECT_LT(encode_state(*delta).size() * 20, encode_state(r.state()).size());
}

TEST(Replica, RemoteDeltaAppliesAndCreateAfterRemoveWorks) {
  Replica a(node(0)), b(node(1));
  b.merge(a.create_service(1000, "web", spec_with(2)).value());
  ASSERT_NE(b.state().service("web"), nullptr);
  a.merge(b.remove_service(1001, "web").value());
  EXPECT_EQ(a.state().service("web"), nullptr);
  auto again = a.create_service(1002, "web", spec_with(4));
  ASSERT_TRUE(again.ok()) << again.message();
  b.merge(*again);
  ASSERT_NE(b.state().service("web"), nullptr);
  EXPECT_EQ(b.state().service("web")->spec.replicas, 4u);
  EXPECT_EQ(a.state(), b.state());
}

TEST(Replica, ConcurrentUpdateWinsOverRemove) {
  Replica a(node(0)), b(node(1));
  b.merge(a.create_service(1000, "web", spec_with(2)).value());
  auto rm = a.remove_service(5000, "web").value();  // later by HLC, but concurrent
  auto up = b.scale_service(1001, "web", 7).value();
  a.merge(up);
  b.merge(rm);
  EXPECT_EQ(a.state(), b.state());
  ASSERT_NE(a.state().service("web"), nullptr) << "add-wins: the unseen update survives";
  EXPECT_EQ(a.state().service("web")->spec.replicas, 7u);
}

TEST(Replica, ConcurrentWritesResolveByHlcThenNodeId) {
  Replica a(node(0)), b(node(1));
  auto base = a.create_service(1000, "web", spec_with(1)).value();
  b.merge(base);
  auto from_a = a.scale_service(2000, "web", 2).value();
  auto from_b = b.scale_service(2000, "web", 3).value();  // same wall time: node id decides
  a.merge(from_b);
  b.merge(from_a);
  EXPECT_EQ(a.state(), b.state());
  EXPECT_EQ(a.state().service("web")->spec.replicas, 3u) << "n1 > n0 wins the tie";
}

TEST(Replica, WriteAfterSeeingRemoteOrdersAfterItEvenWithSlowClock) {
  Replica fast(node(0)), slow(node(1));
  slow.merge(fast.create_service(9'000'000, "web", spec_with(1)).value());
  fast.merge(slow.scale_service(10, "web", 5).value());  // slow wall clock, later write
  EXPECT_EQ(fast.state().service("web")->spec.replicas, 5u);
}

TEST(Replica, AvailabilityAnyNodeSetsAnyNode) {
  Replica a(node(0)), b(node(1));
  EXPECT_EQ(a.state().availability_of(node(5)), Availability::kActive);
  b.merge(a.set_availability(100, node(5), Availability::kDrain));
  EXPECT_EQ(b.state().availability_of(node(5)), Availability::kDrain);
  a.merge(b.set_availability(200, node(5), Availability::kPause));
  EXPECT_EQ(a.state().availability_of(node(5)), Availability::kPause);
}

TEST(Replica, TaskStatusWrittenAndDeletedByItsRunner) {
  Replica a(node(0)), b(node(1));
  TaskStatus t{"web", 2, 1, TaskState::kRunning, "", "10.1.0.5", 100};
  b.merge(a.put_task(100, t));
  ASSERT_NE(b.state().task(node(0), TaskKey{"web", 2}), nullptr);
  EXPECT_EQ(b.state().task(node(0), TaskKey{"web", 2})->address, "10.1.0.5");
  EXPECT_EQ(b.state().all_tasks().size(), 1u);
  b.merge(a.delete_task(200, TaskKey{"web", 2}).value());
  EXPECT_EQ(b.state().task(node(0), TaskKey{"web", 2}), nullptr);
  EXPECT_FALSE(a.delete_task(300, TaskKey{"web", 2}).ok());
}

TEST(Replica, RestoreResumesCounterAndClock) {
  Replica a(node(0));
  ASSERT_TRUE(a.create_service(5000, "web", spec_with(1)).ok());
  Replica again(node(0));
  again.restore(decode_state(encode_state(a.state())).value());
  auto d = again.scale_service(10, "web", 2).value();  // clock behind: still ordered after
  EXPECT_EQ(d.seen.max_counter(node(0)), 2u);
  EXPECT_GT(d.max_timestamp(), a.state().max_timestamp());
}

RC_GTEST_PROP(DesiredStateLaws, MergeIsCommutative, ()) {
  auto s = *testing::gen_states();
  RC_ASSERT(merged(s[0], s[1]) == merged(s[1], s[0]));
}

RC_GTEST_PROP(DesiredStateLaws, MergeIsAssociative, ()) {
  auto s = *testing::gen_states();
  RC_ASSERT(merged(merged(s[0], s[1]), s[2]) == merged(s[0], merged(s[1], s[2])));
}

RC_GTEST_PROP(DesiredStateLaws, MergeIsIdempotent, ()) {
  auto s = *testing::gen_states();
  RC_ASSERT(merged(s[0], s[0]) == s[0]);
  RC_ASSERT(merged(merged(s[0], s[1]), s[1]) == merged(s[0], s[1]));
}

// Random writes on random replicas, random delivery (old deltas again, out of order, or never):
// after anti-entropy (digests + delta_for_peer only), every replica holds the same state.
RC_GTEST_PROP(Convergence, RandomDeliveryThenAntiEntropyConverges, ()) {
  int n = *rc::gen::inRange(2, 6);
  auto ops = *testing::gen_history(n);
  Cluster c(n);
  for (const auto& op : ops) c.apply(op);
  c.anti_entropy(2);
  RC_ASSERT(c.converged());
}

// Two sides of a partition write for a while, each side delivering only within itself; then
// the partition heals and anti-entropy runs. Every write that no later (by HLC) write to the
// same field superseded is the value everywhere: for services, per field (a scale and a template
// change made on different sides both survive, crdt/service_merge.h). (No deletes here: a delete is not a write of
// a value; add-wins under concurrency is covered by ConcurrentUpdateWinsOverRemove.)
RC_GTEST_PROP(Convergence, PartitionHealKeepsEveryUnsupersededWrite, ()) {
  int n = *rc::gen::inRange(2, 7);
  int cut = *rc::gen::inRange(1, n);  // 1 vs N-1 up to N-1 vs 1, 50/50 in between
  auto ops = *testing::gen_history(n);
  Cluster c(n);
  c.allow_removes(false);
  auto same_side = [cut](int a, int b) { return (a < cut) == (b < cut); };
  for (const auto& op : ops) c.apply(op, same_side);
  c.anti_entropy(2);
  RC_ASSERT(c.converged());

  std::map<std::string, const testing::Write*> last;
  for (const auto& w : c.writes()) {
    auto& best = last[w.field];
    if (best == nullptr || std::tie(w.at, w.writer) > std::tie(best->at, best->writer)) best = &w;
  }
  const DesiredState& s = c.replica(0).state();
  for (const auto& [field, w] : last) {
    if (field.rfind("svc:", 0) == 0) {
      const Service* svc = s.service(field.substr(4));
      RC_ASSERT(svc != nullptr);
      RC_ASSERT(svc->spec.replicas == w->value);
    } else if (field.rfind("tpl:", 0) == 0) {
      const Service* svc = s.service(field.substr(4));
      RC_ASSERT(svc != nullptr);
      RC_ASSERT(testing::template_value(*svc) == w->value);
    } else if (field.rfind("avail:", 0) == 0) {
      RC_ASSERT(static_cast<std::uint64_t>(s.availability_of(node(std::stoi(field.substr(6))))) ==
                w->value);
    } else {
      std::string key = field.substr(field.rfind(':') + 1);
      const TaskStatus* t = s.task(w->writer, TaskKey{key, 0});
      RC_ASSERT(t != nullptr);
      RC_ASSERT(t->spec_version == w->value);
    }
  }
}

}  // namespace
}  // namespace shoal::crdt
