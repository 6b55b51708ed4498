// NodeCore driven with fake time: no clock, no sockets, no disk. The "disk" is the test, which
// answers each persist request as it likes.
#include "node/node_core.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

#include "crdt/codec.h"
#include "crdt/service_ops.h"

namespace shoal::node {
namespace {

using membership::Member;
using membership::MemberStatus;

Member member(const std::string& name, MemberStatus status = MemberStatus::kAlive) {
  Member m;
  m.id = NodeId{name};
  m.addr = name + ":7946";  // join targets are compared with it: one address per name
  m.status = status;
  m.meta.cpu_millis = 4000;
  m.meta.memory_bytes = 8ull << 30;
  return m;
}

crdt::ServiceSpec spec(std::uint32_t replicas) {
  crdt::ServiceSpec s;
  s.task.command = "/bin/true";
  s.replicas = replicas;
  return s;
}

WriteOp create(const std::string& name, std::uint32_t replicas, std::uint64_t wall_ms) {
  return [=](crdt::Replica& r) { return r.create_service(wall_ms, name, spec(replicas)); };
}

// One node and a fake clock; `members` is what SWIM would report.
struct Harness {
  // `has_seeds`: --join n2 (its address).
  explicit Harness(bool has_seeds = false, std::uint64_t seed = 7, crdt::DesiredState state = {})
      : Harness(has_seeds ? JoinTargets{{"n2:7946"}, {}} : JoinTargets{}, seed, std::move(state)) {}
  explicit Harness(JoinTargets join, std::uint64_t seed = 7, crdt::DesiredState state = {})
      : core(NodeId{"n1"}, NodeConfig{}, seed, now, std::move(state), std::move(join)) {}

  NodeOutput step(NodeInput in = {}) { return core.step(now, members, std::move(in)); }
  void advance(std::uint64_t ms) {
    now.mono_ms += ms;
    now.wall_ms += ms;
  }
  // Runs step at each deadline up to `until_ms`, answering persist requests with `disk`.
  std::vector<NodeOutput> run_until(std::uint64_t until_mono_ms, const Status& disk = {}) {
    std::vector<NodeOutput> outs;
    NodeInput in;
    for (int guard = 0; guard < 10'000; ++guard) {
      NodeOutput out = step(std::move(in));
      step_times.push_back(now.mono_ms);
      in = {};
      for (const auto& p : out.persist) in.persisted.push_back({p.ticket, disk});
      const std::uint64_t next = out.next_deadline_ms;
      outs.push_back(std::move(out));
      if (!in.persisted.empty()) continue;
      if (next > until_mono_ms) break;
      EXPECT_GE(next, now.mono_ms);  // a deadline is never in the past after a step
      advance(next - now.mono_ms);
    }
    return outs;
  }

  Now now{1'000'000, 1'700'000'000'000};
  std::vector<std::uint64_t> step_times;  // mono time of each run_until step
  std::vector<Member> members{member("n1")};
  NodeCore core;
};

TEST(NodeCore, LocalWriteIsAppliedSpreadAndAckedOnlyOnceDurable) {
  Harness h;
  NodeInput in;
  in.writes.push_back({42, create("web", 2, h.now.wall_ms)});
  NodeOutput out = h.step(std::move(in));
  ASSERT_EQ(out.persist.size(), 1u);
  EXPECT_TRUE(out.acks.empty());
  EXPECT_TRUE(out.broadcast.empty());
  EXPECT_EQ(h.core.state().service("web"), nullptr);  // not applied before it is durable
  // The persisted bytes hold the write.
  auto on_disk = crdt::decode_state(out.persist[0].state);
  ASSERT_TRUE(on_disk.ok());
  EXPECT_NE(on_disk->service("web"), nullptr);

  NodeInput done;
  done.persisted.push_back({out.persist[0].ticket, Status{}});
  NodeOutput out2 = h.step(std::move(done));
  ASSERT_EQ(out2.acks.size(), 1u);
  EXPECT_EQ(out2.acks[0].id, 42u);
  EXPECT_TRUE(out2.acks[0].result.ok());
  ASSERT_EQ(out2.broadcast.size(), 1u);
  EXPECT_NE(out2.broadcast[0].service("web"), nullptr);
  EXPECT_NE(h.core.state().service("web"), nullptr);
}

// Issue 13: a write answered "not persisted" must never reach another node.
TEST(NodeCore, FailedPersistIsNeverSpread) {
  Harness h;
  h.members.push_back(member("n2"));
  NodeInput in;
  in.writes.push_back({1, create("web", 1, h.now.wall_ms)});
  NodeOutput out = h.step(std::move(in));
  ASSERT_EQ(out.persist.size(), 1u);
  NodeInput failed;
  failed.persisted.push_back({out.persist[0].ticket, make_error("disk full")});
  NodeOutput out2 = h.step(std::move(failed));
  ASSERT_EQ(out2.acks.size(), 1u);
  EXPECT_FALSE(out2.acks[0].result.ok());
  EXPECT_NE(out2.acks[0].result.message().find("disk full"), std::string::npos);
  EXPECT_TRUE(out2.broadcast.empty());
  EXPECT_EQ(h.core.state().service("web"), nullptr);
  EXPECT_EQ(h.core.persist_failures(), 1u);
  // Nor through anti-entropy: a peer with an empty digest gets nothing of it.
  crdt::DesiredState empty;
  crdt::DesiredState delta = h.core.on_peer_digest(NodeId{"n2"}, crdt::Digest{});
  EXPECT_EQ(delta.service("web"), nullptr);
  // The same write succeeds once the disk is back.
  NodeInput again;
  again.writes.push_back({2, create("web", 1, h.now.wall_ms)});
  NodeOutput out3 = h.step(std::move(again));
  ASSERT_EQ(out3.persist.size(), 1u);
  NodeInput ok;
  ok.persisted.push_back({out3.persist[0].ticket, Status{}});
  EXPECT_TRUE(h.step(std::move(ok)).acks.at(0).result.ok());
  EXPECT_NE(h.core.state().service("web"), nullptr);
}

TEST(NodeCore, WritesArrivingDuringAPersistAreCommittedTogether) {
  Harness h;
  NodeInput a;
  a.writes.push_back({1, create("a", 1, h.now.wall_ms)});
  NodeOutput out = h.step(std::move(a));
  ASSERT_EQ(out.persist.size(), 1u);
  NodeInput b;
  b.writes.push_back({2, create("b", 1, h.now.wall_ms)});
  b.writes.push_back({3, create("a", 1, h.now.wall_ms)});  // fails at staging: "a" exists by then
  EXPECT_TRUE(h.step(std::move(b)).persist.empty());     // one persist at a time
  NodeInput done;
  done.persisted.push_back({out.persist[0].ticket, Status{}});
  NodeOutput out2 = h.step(std::move(done));
  ASSERT_EQ(out2.persist.size(), 1u);  // b and the failed duplicate, staged together
  ASSERT_EQ(out2.acks.size(), 2u);     // 1 durable; 3 refused by the schema at once
  EXPECT_EQ(out2.acks[0].id, 1u);
  EXPECT_TRUE(out2.acks[0].result.ok());
  EXPECT_EQ(out2.acks[1].id, 3u);
  EXPECT_FALSE(out2.acks[1].result.ok());
  NodeInput done2;
  done2.persisted.push_back({out2.persist[0].ticket, Status{}});
  NodeOutput out3 = h.step(std::move(done2));
  ASSERT_EQ(out3.acks.size(), 1u);
  EXPECT_EQ(out3.acks[0].id, 2u);
  EXPECT_NE(h.core.state().service("b"), nullptr);
}

// Remote deltas go through the replica's validation: an invalid one is not merged, and the
// operator is told who sent it (issue 13: validate before merging, never re-gossip).
TEST(NodeCore, InvalidRemoteDeltaIsDroppedAndLoggedWithItsOrigin) {
  Harness h;
  crdt::Replica other(NodeId{"n2"});
  auto delta = other.create_service(h.now.wall_ms, "web", spec(1));
  ASSERT_TRUE(delta.ok());
  delta->services.entries.begin()->second.live.begin()->second.value.spec.replicas = crdt::kMaxReplicas + 1;
  NodeInput in;
  in.remote_deltas.push_back({NodeId{"n2"}, *delta});
  NodeOutput out = h.step(std::move(in));
  EXPECT_EQ(h.core.state().service("web"), nullptr);
  ASSERT_EQ(out.log.size(), 1u);
  EXPECT_NE(out.log[0].find("delta from n2 rejected"), std::string::npos) << out.log[0];
  EXPECT_TRUE(out.persist.empty());
}

// A delta stamped far ahead merges, but the clock does not follow it; said once per minute.
TEST(NodeCore, RemoteDeltaFarAheadMergesWithoutMovingTheClockAndIsLoggedOncePerMinute) {
  Harness h;
  crdt::Replica other(NodeId{"n2"});
  const std::uint64_t year_ms = 365ull * 24 * 3600 * 1000;
  auto d1 = other.create_service(h.now.wall_ms + year_ms, "web", spec(1));
  auto d2 = other.create_service(h.now.wall_ms + year_ms, "db", spec(1));
  ASSERT_TRUE(d1.ok() && d2.ok());
  NodeInput in;
  in.remote_deltas.push_back({NodeId{"n2"}, *d1});
  NodeOutput out = h.step(std::move(in));
  EXPECT_NE(h.core.state().service("web"), nullptr);
  ASSERT_EQ(out.log.size(), 1u);
  EXPECT_NE(out.log[0].find("from n2"), std::string::npos) << out.log[0];
  EXPECT_NE(out.log[0].find("did not adopt"), std::string::npos) << out.log[0];
  h.advance(1000);
  NodeInput again;
  again.remote_deltas.push_back({NodeId{"n2"}, *d2});
  out = h.step(std::move(again));
  EXPECT_NE(h.core.state().service("db"), nullptr);
  EXPECT_TRUE(out.log.empty()) << "logged twice within a minute";
}

TEST(NodeCore, RemoteMergesArePersistedAfterTheDebounce) {
  Harness h;
  crdt::Replica other(NodeId{"n2"});
  auto delta = other.create_service(h.now.wall_ms, "web", spec(1));
  ASSERT_TRUE(delta.ok());
  NodeInput in;
  in.remote_deltas.push_back({NodeId{"n2"}, *delta});
  const std::uint64_t t0 = h.now.mono_ms;
  NodeOutput out = h.step(std::move(in));
  EXPECT_TRUE(out.persist.empty());
  EXPECT_NE(h.core.state().service("web"), nullptr);
  EXPECT_LE(out.next_deadline_ms, t0 + NodeConfig{}.persist_debounce_ms);
  h.advance(NodeConfig{}.persist_debounce_ms - 1);
  EXPECT_TRUE(h.step().persist.empty());
  h.advance(1);
  EXPECT_EQ(h.step().persist.size(), 1u);
}

TEST(NodeCore, ReconcileIsCoalescedPeriodicAndCounted) {
  Harness h;
  auto outs = h.run_until(h.now.mono_ms);  // the first round is due at once
  ASSERT_TRUE(outs.back().reconcile || outs.front().reconcile);
  NodeInput in;
  in.local_tasks = std::vector<LocalTask>{};
  NodeOutput out = h.step(std::move(in));
  ASSERT_TRUE(out.decision);
  EXPECT_TRUE(out.decision->settled);  // alone, no seeds: nothing to wait for
  EXPECT_EQ(h.core.reconcile_rounds(), 1u);
  // A member event asks for a round after the coalescing delay, not at once.
  NodeInput ev;
  ev.member_events.push_back({membership::Event::kJoined, member("n2")});
  h.members.push_back(member("n2"));
  EXPECT_FALSE(h.step(std::move(ev)).reconcile);
  h.advance(NodeConfig{}.reconcile_coalesce_ms);
  EXPECT_TRUE(h.step().reconcile);
  // With nothing happening, the safety-net round comes every interval.
  h.advance(NodeConfig{}.reconcile_interval_ms - 1);
  EXPECT_FALSE(h.step().reconcile);
  h.advance(1);
  EXPECT_TRUE(h.step().reconcile);
}

TEST(NodeCore, DecisionStartsTheSlotsAssignedHere) {
  Harness h;
  NodeInput w;
  w.writes.push_back({1, create("web", 3, h.now.wall_ms)});
  NodeOutput out = h.step(std::move(w));
  NodeInput done;
  done.persisted.push_back({out.persist.at(0).ticket, Status{}});
  h.step(std::move(done));
  NodeInput in;
  in.local_tasks = std::vector<LocalTask>{};
  NodeOutput d = h.step(std::move(in));
  ASSERT_TRUE(d.decision && d.decision->settled);
  EXPECT_EQ(d.decision->actions.start.size(), 3u);  // the only node runs every slot
  // Reported running: the next round starts nothing.
  NodeInput again;
  again.local_tasks = std::vector<LocalTask>{};
  for (const auto& s : d.decision->actions.start)
    again.local_tasks->push_back({task_id(s.service, s.slot, s.version), s.service, s.slot, s.version, TaskState::kRunning});
  NodeOutput d2 = h.step(std::move(again));
  ASSERT_TRUE(d2.decision);
  EXPECT_TRUE(d2.decision->actions.start.empty());
  EXPECT_TRUE(d2.decision->actions.stop.empty());
}

TEST(NodeCore, SettleGateHoldsChangesUntilSyncedWithALivePeer) {
  Harness h(/*has_seeds=*/true);
  NodeInput in;
  in.local_tasks = std::vector<LocalTask>{};
  EXPECT_FALSE(h.step(std::move(in)).decision->settled);
  h.members.push_back(member("n2"));
  NodeInput synced;
  synced.synced = true;
  synced.local_tasks = std::vector<LocalTask>{};
  NodeOutput out = h.step(std::move(synced));
  EXPECT_TRUE(out.decision->settled);
  EXPECT_EQ(out.log.size(), 1u);  // "in step with the cluster"
  EXPECT_EQ(h.core.reconcile_rounds(), 1u);
}

TEST(NodeCore, SettleGateOpensAfterTheTimeoutWhenCutOff) {
  Harness h(/*has_seeds=*/true);
  h.advance(NodeConfig{}.settle_timeout_ms - 1);
  NodeInput in;
  in.local_tasks = std::vector<LocalTask>{};
  EXPECT_FALSE(h.step(std::move(in)).decision->settled);
  h.advance(1);
  NodeInput in2;
  in2.local_tasks = std::vector<LocalTask>{};
  EXPECT_TRUE(h.step(std::move(in2)).decision->settled);
}

TEST(NodeCore, PeriodicAntiEntropyRoundsAreCounted) {
  Harness h;
  h.members.push_back(member("n2"));
  h.step();
  EXPECT_EQ(h.core.sync_rounds(), 0u);  // the first round is due one interval after start
  std::size_t synced = 0;
  for (const auto& out : h.run_until(h.now.mono_ms + 3 * crdt::CrdtConfig{}.anti_entropy_interval_ms))
    synced += out.sync_with.size();
  EXPECT_EQ(h.core.sync_rounds(), 3u);
  EXPECT_EQ(synced, 3u);  // one digest to the one live peer per round
}

TEST(NodeCore, JoinSyncsAreRateLimited) {
  Harness h;
  NodeInput in;
  for (int i = 2; i < 20; ++i) {
    h.members.push_back(member("n" + std::to_string(i)));
    in.member_events.push_back({membership::Event::kJoined, h.members.back()});
  }
  NodeOutput out = h.step(std::move(in));
  EXPECT_EQ(out.sync_with.size(), NodeConfig{}.join_syncs_per_second);
  h.advance(1000);
  NodeInput more;
  more.member_events.push_back({membership::Event::kJoined, member("n2")});
  EXPECT_EQ(h.step(std::move(more)).sync_with.size(), 1u);  // a new window
}

TEST(NodeCore, JoinRetriesWithDoublingBackOffUntilASeedAnswers) {
  Harness h(/*has_seeds=*/true);
  std::vector<std::uint64_t> joins_at;
  auto outs = h.run_until(h.now.mono_ms + 4'000);
  for (std::size_t i = 0; i < outs.size(); ++i)
    if (!outs[i].join.empty()) joins_at.push_back(h.step_times[i]);
  const std::uint64_t t0 = joins_at.at(0);
  const NodeConfig c;
  // At once, then after 0.5, 1 and 2 s (the next one would be 4 s later).
  ASSERT_EQ(joins_at.size(), 4u);
  EXPECT_EQ(joins_at[1] - t0, c.join_backoff_first_ms);
  EXPECT_EQ(joins_at[2] - joins_at[1], 2 * c.join_backoff_first_ms);
  EXPECT_EQ(joins_at[3] - joins_at[2], 4 * c.join_backoff_first_ms);
  h.members.push_back(member("n2"));  // a seed answered
  for (const auto& out : h.run_until(h.now.mono_ms + 120'000)) EXPECT_TRUE(out.join.empty());
}

TEST(NodeCore, NoSeedsNoJoin) {
  Harness h;
  for (const auto& out : h.run_until(h.now.mono_ms + 10'000)) EXPECT_TRUE(out.join.empty());
}

// When each join was sent, and to whom, over `run_until(now + for_ms)`.
std::vector<std::pair<std::uint64_t, std::vector<std::string>>> joins_during(Harness& h, std::uint64_t for_ms) {
  std::vector<std::pair<std::uint64_t, std::vector<std::string>>> joins;
  h.step_times.clear();  // step_times[i] is when outs[i] was made
  auto outs = h.run_until(h.now.mono_ms + for_ms);
  for (std::size_t i = 0; i < outs.size(); ++i)
    if (!outs[i].join.empty()) joins.emplace_back(h.step_times[i], outs[i].join);
  return joins;
}

// Serf's failure (gravitational/gravity#2100): retries stopped once any peer was alive, so two
// sides that had forgotten each other never merged. A seed missing from the view is retried
// although other peers are alive, and only the missing one is contacted.
TEST(NodeCore, JoinRetriesAMissingSeedWhileOtherPeersAreAlive) {
  Harness h(JoinTargets{{"n2:7946", "n3:7946"}, {}});
  h.members.push_back(member("n3"));
  h.members.push_back(member("n4"));
  auto joins = joins_during(h, 10 * 60'000);
  ASSERT_GE(joins.size(), 20u);  // forever: still going after 10 minutes at the 30 s cap
  for (const auto& [at, to] : joins) EXPECT_EQ(to, std::vector<std::string>{"n2:7946"});
  EXPECT_GE(joins.back().first, h.now.mono_ms - 60'000);
}

TEST(NodeCore, JoinStopsWhileEveryTargetIsAlive) {
  Harness h(JoinTargets{{"n2:7946"}, {"n3:7946"}});
  h.members.push_back(member("n2"));
  h.members.push_back(member("n3"));
  EXPECT_TRUE(joins_during(h, 10 * 60'000).empty());
  // A target that fails is joined again, quickly (the view changed: the back-off restarts).
  h.members[1].status = MemberStatus::kFailed;
  auto joins = joins_during(h, 2'000);
  ASSERT_FALSE(joins.empty());
  EXPECT_EQ(joins[0].second, std::vector<std::string>{"n2:7946"});
  EXPECT_LE(joins[0].first - h.step_times.front(), NodeConfig{}.join_backoff_first_ms);
}

TEST(NodeCore, JoinBackOffIsCappedAndRestartsWhenTheViewChanges) {
  Harness h(true);
  h.members.push_back(member("n3"));  // someone is alive, the seed is not
  const NodeConfig c;
  auto joins = joins_during(h, 30 * 60'000);
  ASSERT_GE(joins.size(), 10u);
  std::uint64_t longest = 0;
  for (std::size_t i = 1; i < joins.size(); ++i) longest = std::max(longest, joins[i].first - joins[i - 1].first);
  EXPECT_EQ(longest, c.join_backoff_max_ms);
  EXPECT_EQ(joins.back().first - joins[joins.size() - 2].first, c.join_backoff_max_ms);
  // The view changes (a member of the other side shows up): the next join comes fast again.
  h.members.push_back(member("n4"));
  auto after = joins_during(h, 5'000);
  ASSERT_GE(after.size(), 2u);
  EXPECT_LE(after[0].first - h.step_times.front(), c.join_backoff_first_ms);
  EXPECT_EQ(after[1].first - after[0].first, c.join_backoff_first_ms);
}

// A node restarted without --join still rejoins the peers it remembered.
TEST(NodeCore, RememberedPeerIsRetried) {
  Harness h(JoinTargets{{}, {"n5:7946", "n6:7946"}});
  auto joins = joins_during(h, 5'000);
  ASSERT_GE(joins.size(), 3u);
  EXPECT_EQ(joins[0].second, (std::vector<std::string>{"n5:7946", "n6:7946"}));
  h.members.push_back(member("n5"));  // n5 answered; n6 is still missing
  joins = joins_during(h, 5'000);
  ASSERT_FALSE(joins.empty());
  for (const auto& [at, to] : joins) EXPECT_EQ(to, std::vector<std::string>{"n6:7946"});
}

TEST(NodeCore, RetiringTaskDoesNotOverwriteTheNewVersionsStatus) {
  Harness h;
  auto report = [&](std::uint64_t version, TaskState state) {
    NodeInput in;
    in.task_reports.push_back({crdt::TaskStatus{"web", 0, version, state, "", "", h.now.wall_ms}, false});
    NodeOutput out = h.step(std::move(in));
    if (out.persist.empty()) return;
    NodeInput done;
    done.persisted.push_back({out.persist[0].ticket, Status{}});
    h.step(std::move(done));
  };
  report(2, TaskState::kRunning);
  report(1, TaskState::kShutdown);  // the old task stopping
  const crdt::TaskStatus* st = h.core.state().task(NodeId{"n1"}, crdt::TaskKey{"web", 0});
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->spec_version, 2u);
  EXPECT_EQ(st->state, TaskState::kRunning);
}

// The commit law (issue 13), over random interleavings of writes and disk outcomes: a write
// acknowledged ok is in the state and was broadcast; a write acknowledged with an error is in
// neither, nor in what anti-entropy would send a peer; every write is acknowledged exactly once.
RC_GTEST_PROP(NodeCoreProperty, OnlyDurableWritesAreAppliedOrSpread, ()) {
  Harness h;
  h.members.push_back(member("n2"));
  const auto steps = *rc::gen::inRange(1, 40);
  std::map<std::uint64_t, std::string> name_of;  // write id -> service it creates
  std::map<std::uint64_t, bool> acked;           // write id -> ok
  std::set<std::string> broadcast;
  std::vector<PersistRequest> unanswered;
  std::uint64_t next_id = 1;
  auto take = [&](NodeOutput out) {
    for (const auto& a : out.acks) {
      RC_ASSERT(acked.count(a.id) == 0u);
      acked[a.id] = a.result.ok();
    }
    for (const auto& d : out.broadcast)
      for (const crdt::Service* svc : d.all_services()) broadcast.insert(svc->name);
    for (auto& p : out.persist) unanswered.push_back(std::move(p));
  };
  for (int i = 0; i < steps; ++i) {
    NodeInput in;
    if (*rc::gen::arbitrary<bool>()) {
      const std::uint64_t id = next_id++;
      name_of[id] = "s" + std::to_string(id);
      in.writes.push_back({id, create(name_of[id], 1, h.now.wall_ms)});
    }
    if (!unanswered.empty() && *rc::gen::arbitrary<bool>()) {
      const bool ok = *rc::gen::arbitrary<bool>();
      in.persisted.push_back({unanswered.front().ticket, ok ? Status{} : make_error("disk full")});
      unanswered.erase(unanswered.begin());
    }
    h.advance(*rc::gen::inRange(0, 300));
    take(h.step(std::move(in)));
  }
  while (!unanswered.empty()) {  // the disk answers everything in the end
    NodeInput in;
    in.persisted.push_back({unanswered.front().ticket, Status{}});
    unanswered.erase(unanswered.begin());
    take(h.step(std::move(in)));
  }
  const crdt::DesiredState to_peer = h.core.on_peer_digest(NodeId{"n2"}, crdt::Digest{});
  for (const auto& [id, name] : name_of) {
    RC_ASSERT(acked.count(id) == 1u);
    const bool in_state = h.core.state().service(name) != nullptr;
    RC_ASSERT(in_state == acked[id]);
    RC_ASSERT((broadcast.count(name) == 1u) == acked[id]);
    RC_ASSERT((to_peer.service(name) != nullptr) == acked[id]);
  }
}

// Same seed, same inputs, same outputs: the anti-entropy peer choices of two cores agree.
RC_GTEST_PROP(NodeCoreProperty, DeterministicForASeed, (std::uint64_t seed, std::uint8_t peers)) {
  auto run = [&] {
    Harness h(false, seed);
    for (int i = 0; i < 1 + peers % 16; ++i) h.members.push_back(member("p" + std::to_string(i)));
    std::vector<std::string> trace;
    for (const auto& out : h.run_until(h.now.mono_ms + 10'000))
      for (const auto& p : out.sync_with) trace.push_back(p.name);
    return trace;
  };
  auto a = run();
  RC_ASSERT(!a.empty());
  RC_ASSERT(a == run());
}

}  // namespace
}  // namespace shoal::node
