// --on-partition majority|pinned applied to placement (node/partition_fence.h): a minority side
// keeps a running task for the isolation timeout and starts nothing; the majority side holds a
// failed node's slot for isolation timeout + margin; pinned slots wait for their node.
#include "node/partition_fence.h"

#include <gtest/gtest.h>

#include "node/cluster_view.h"
#include "placement/place.h"

namespace shoal::node {
namespace {

using membership::MemberStatus;
constexpr std::uint64_t kMargin = 15'000;

membership::Member member(const std::string& name, MemberStatus status = MemberStatus::kAlive,
                          std::uint64_t since_ms = 0) {
  membership::Member m;
  m.id = NodeId{name};
  m.status = status;
  m.status_since_ms = since_ms;
  return m;
}

crdt::ServiceSpec spec(OnPartition policy, std::uint32_t replicas = 1) {
  crdt::ServiceSpec s;
  s.task.command = "/bin/db";
  s.replicas = replicas;
  s.partition.on_partition = policy;
  s.partition.isolation_timeout_ms = 3'000;
  return s;
}

crdt::TaskStatus running(const std::string& service, std::uint32_t slot) {
  crdt::TaskStatus t;
  t.service = service;
  t.slot = slot;
  t.spec_version = 1;
  t.state = TaskState::kRunning;
  return t;
}

// Five nodes n1..n5; `db` slot 0 runs on `runner` (its status gossiped by it).
struct Cluster {
  crdt::DesiredState state;
  explicit Cluster(OnPartition policy, const std::string& runner = "n1") {
    crdt::Replica creator(NodeId{"n1"}), run(NodeId{runner});
    state.merge(*creator.create_service(1000, "db", spec(policy)));
    state.merge(run.put_task(1000, running("db", 0)));
  }
};

placement::Assignment decide(PartitionFence& fence, std::uint64_t now, const std::vector<membership::Member>& members,
                             const crdt::DesiredState& state) {
  auto a = placement::place(placement_input(members, state));
  EXPECT_TRUE(a.ok());
  fence.apply(now, members, state, *a);
  return *a;
}

std::string reason(const placement::Assignment& a) { return a.unplaced.empty() ? "" : a.unplaced[0].reason; }

TEST(PartitionFence, AMinorityNodeKeepsItsTaskForTheIsolationTimeoutThenStopsIt) {
  Cluster c(OnPartition::kMajority);
  PartitionFence fence("n1", kMargin);
  std::vector<membership::Member> split = {member("n1"), member("n2"), member("n3", MemberStatus::kFailed),
                                           member("n4", MemberStatus::kSuspect), member("n5", MemberStatus::kFailed)};
  auto a = decide(fence, 10'000, split, c.state);
  EXPECT_EQ(a.node_of("db", 0), NodeId{"n1"}) << "the lease lasts 3 s";
  EXPECT_EQ(fence.next_deadline_ms(), 13'000u);
  a = decide(fence, 12'999, split, c.state);
  EXPECT_EQ(a.node_of("db", 0), NodeId{"n1"});
  a = decide(fence, 13'000, split, c.state);
  EXPECT_FALSE(a.node_of("db", 0)) << "lease over";
  EXPECT_EQ(reason(a), "waiting: minority side, 2 of 5 nodes seen") << "a suspect member is not seen";
  EXPECT_EQ(fence.next_deadline_ms(), 0u);
}

TEST(PartitionFence, AMinorityStartsNothing) {
  Cluster c(OnPartition::kMajority, "n4");  // the task runs on the other side
  PartitionFence fence("n1", kMargin);
  std::vector<membership::Member> split = {member("n1"), member("n2"), member("n3", MemberStatus::kFailed),
                                           member("n4", MemberStatus::kFailed), member("n5", MemberStatus::kFailed)};
  auto a = decide(fence, 10'000, split, c.state);
  EXPECT_FALSE(a.node_of("db", 0));
  EXPECT_EQ(reason(a), "waiting: minority side, 2 of 5 nodes seen");
}

TEST(PartitionFence, TheMajorityWaitsIsolationTimeoutPlusMarginAfterDetection) {
  Cluster c(OnPartition::kMajority, "n1");
  PartitionFence fence("n3", kMargin);
  std::vector<membership::Member> whole = {member("n1"), member("n2"), member("n3"), member("n4"), member("n5")};
  EXPECT_EQ(decide(fence, 5'000, whole, c.state).node_of("db", 0), NodeId{"n1"});
  std::vector<membership::Member> split = {member("n1", MemberStatus::kFailed, 10'000),
                                           member("n2", MemberStatus::kFailed, 10'500), member("n3"), member("n4"),
                                           member("n5")};
  auto a = decide(fence, 11'000, split, c.state);
  EXPECT_FALSE(a.node_of("db", 0));
  EXPECT_EQ(reason(a), "waiting: n1 is unreachable; re-placed 17 s from now (isolation timeout + fence margin)");
  EXPECT_EQ(fence.next_deadline_ms(), 28'000u);
  a = decide(fence, 28'000, split, c.state);
  ASSERT_TRUE(a.node_of("db", 0));
  EXPECT_NE(a.node_of("db", 0)->name, "n1");
  EXPECT_TRUE(a.unplaced.empty());
}

// n3 was cut off with n4 while n1 ran db on the other side; the heal reaches n3 in pieces and
// for a moment it sees n3, n4, n5: a majority, with n1 failed since long ago. n1 never fenced
// (it was on the majority side): the slot waits isolation + margin from the regained majority.
TEST(PartitionFence, ANodeThatRegainsTheMajorityHoldsFailedRunnersFromThen) {
  Cluster c(OnPartition::kMajority, "n1");
  PartitionFence fence("n3", kMargin);
  std::vector<membership::Member> cut = {member("n1", MemberStatus::kFailed, 1'000), member("n2", MemberStatus::kFailed),
                                         member("n3"), member("n4"), member("n5", MemberStatus::kFailed)};
  EXPECT_FALSE(decide(fence, 50'000, cut, c.state).node_of("db", 0));
  cut[4].status = MemberStatus::kAlive;
  auto a = decide(fence, 60'000, cut, c.state);
  EXPECT_FALSE(a.node_of("db", 0));
  EXPECT_EQ(fence.next_deadline_ms(), 78'000u);
}

TEST(PartitionFence, AMovedSlotStartsOnlyOnceItsOldTaskStopped) {
  Cluster c(OnPartition::kMajority, "n1");
  PartitionFence fence("n2", kMargin);
  // n1 is drained: placement moves db, but n1 still runs it.
  c.state.merge(crdt::Replica(NodeId{"n9"}).set_availability(3000, NodeId{"n1"}, Availability::kDrain));
  std::vector<membership::Member> view = {member("n1"), member("n2"), member("n3")};
  auto a = decide(fence, 5'000, view, c.state);
  EXPECT_FALSE(a.node_of("db", 0));
  EXPECT_EQ(reason(a), "waiting: the task on n1 stops first");
  crdt::TaskStatus stopped = running("db", 0);
  stopped.state = TaskState::kShutdown;
  crdt::Replica n1(NodeId{"n1"});
  c.state.merge(n1.put_task(1000, running("db", 0)));
  c.state.merge(n1.put_task(4000, stopped));
  a = decide(fence, 6'000, view, c.state);
  EXPECT_TRUE(a.node_of("db", 0));
  // Right after members came back, nothing starts before a sync with them.
  a = placement::place(placement_input(view, c.state)).value();
  fence.apply(6'000, view, c.state, a, /*catching_up=*/true);
  EXPECT_EQ(reason(a), "waiting: catching up with the nodes that came back");
}

// Global tasks all share one slot number; another node running its own copy is no reason for a
// node (one that joined, say) to wait.
TEST(PartitionFence, AGlobalTaskDoesNotWaitForTheOtherNodesCopies) {
  crdt::DesiredState state;
  crdt::Replica creator(NodeId{"n1"}), n1(NodeId{"n1"}), n2(NodeId{"n2"});
  crdt::ServiceSpec s = spec(OnPartition::kMajority);
  s.mode = ServiceMode::kGlobal;
  state.merge(*creator.create_service(1000, "agent", s));
  state.merge(n1.put_task(1000, running("agent", 0)));
  state.merge(n2.put_task(1000, running("agent", 0)));
  PartitionFence fence("n3", kMargin);
  std::vector<membership::Member> view = {member("n1"), member("n2"), member("n3")};
  auto a = decide(fence, 5'000, view, state);
  EXPECT_EQ(a.tasks.size(), 3u) << "n3 starts its own copy";
  EXPECT_TRUE(a.unplaced.empty());
}

TEST(PartitionFence, ASlotThatAlreadyRunsOnThisSideIsNotHeldAgain) {
  Cluster c(OnPartition::kMajority, "n1");
  crdt::Replica n4(NodeId{"n4"});
  c.state.merge(n4.put_task(2000, running("db", 0)));  // re-placed earlier; n1's status is stale
  PartitionFence fence("n3", kMargin);
  std::vector<membership::Member> split = {member("n1", MemberStatus::kFailed, 10'000), member("n2"), member("n3"),
                                           member("n4"), member("n5")};
  auto a = decide(fence, 11'000, split, c.state);
  EXPECT_EQ(a.node_of("db", 0), NodeId{"n4"});
}

TEST(PartitionFence, TheAgreedSetCountsNotTheMembersThisNodeHappensToKnow) {
  Cluster c(OnPartition::kMajority, "n1");
  crdt::Service* svc = nullptr;
  for (auto& [dot, w] : c.state.services.entries.at("db").live) svc = &w.value;
  svc->agreed_nodes = {"n1", "n2", "n3", "n4", "n5"};
  PartitionFence fence("n1", kMargin);
  // Restarted cut off: it knows only n2. Without the agreed set it would think 2 of 2.
  std::vector<membership::Member> view = {member("n1"), member("n2")};
  auto a = decide(fence, 10'000, view, c.state);
  a = decide(fence, 13'000, view, c.state);
  EXPECT_EQ(reason(a), "waiting: minority side, 2 of 5 nodes seen");
}

TEST(PartitionFence, APinnedSlotWaitsForItsNode) {
  Cluster c(OnPartition::kPinned, "n2");
  PartitionFence fence("n1", kMargin);
  std::vector<membership::Member> view = {member("n1"), member("n2", MemberStatus::kFailed, 1000), member("n3")};
  auto a = decide(fence, 100'000, view, c.state);
  EXPECT_FALSE(a.node_of("db", 0));
  EXPECT_EQ(reason(a), "waiting: pinned to n2, which is unreachable");
  view[1].status = MemberStatus::kLeft;  // gone for good: the slot moves
  a = decide(fence, 100'000, view, c.state);
  EXPECT_TRUE(a.node_of("db", 0));
}

TEST(PartitionFence, DuplicateIsPlacementAsIs) {
  Cluster c(OnPartition::kDuplicate, "n2");
  PartitionFence fence("n1", kMargin);
  std::vector<membership::Member> view = {member("n1"), member("n2", MemberStatus::kFailed, 1000),
                                          member("n3", MemberStatus::kFailed), member("n4", MemberStatus::kFailed)};
  auto a = decide(fence, 2000, view, c.state);
  EXPECT_EQ(a.node_of("db", 0), NodeId{"n1"});
}

TEST(PartitionFence, TheFirstAliveNodeOfAWholeViewRecordsTheAgreedSet) {
  Cluster c(OnPartition::kMajority);
  const crdt::Service& svc = *c.state.service("db");
  std::vector<membership::Member> whole = {member("n1"), member("n2"), member("n3"), member("n4", MemberStatus::kLeft)};
  EXPECT_EQ(agreed_nodes_to_record(svc, whole, "n1"), (std::vector<std::string>{"n1", "n2", "n3"}));
  EXPECT_FALSE(agreed_nodes_to_record(svc, whole, "n2")) << "one writer, not N";
  whole[2].status = MemberStatus::kSuspect;
  EXPECT_FALSE(agreed_nodes_to_record(svc, whole, "n1")) << "a partial view agrees on nothing";
  crdt::Service recorded = svc;
  recorded.agreed_nodes = {"n1", "n2", "n3"};
  whole[2].status = MemberStatus::kAlive;
  EXPECT_FALSE(agreed_nodes_to_record(recorded, whole, "n1")) << "already recorded";
  EXPECT_FALSE(agreed_nodes_to_record(*Cluster(OnPartition::kDuplicate).state.service("db"), whole, "n1"));
}

}  // namespace
}  // namespace shoal::node
