#include "crdt/tombstone_gc.h"

#include <gtest/gtest.h>

#include "crdt/anti_entropy.h"
#include "random_history.h"

namespace shoal::crdt {
namespace {

using testing::node;
using testing::spec_with;

std::size_t tombstones(const DesiredState& s) {
  std::size_t n = 0;
  for (const auto& [name, e] : s.services.entries) n += e.removed.size();
  for (const auto& [w, entries] : s.tasks.writers) {
    for (const auto& [k, e] : entries) n += !e.value;
  }
  return n;
}

void push_pull(Replica& a, Replica& b) {
  Digest da = make_digest(a.state(), 16);
  a.merge(delta_for_peer(b.state(), da));
  b.merge(delta_for_peer(a.state(), make_digest(b.state(), 16)));
}

TEST(TombstoneGc, KeptUntilEveryLiveMemberHasSeenTheDelete) {
  Replica a(node(0)), b(node(1)), c(node(2));
  auto create = a.create_service(100, "web", spec_with(1)).value();
  b.merge(create);
  c.merge(create);
  auto rm = a.remove_service(200, "web").value();
  b.merge(rm);
  EXPECT_EQ(tombstones(a.state()), 1u);

  const std::uint64_t horizon = 1'000'000;
  auto stats = collect_garbage(a.state_for_gc(), {a.state().seen, b.state().seen, c.state().seen},
                               300, horizon);
  EXPECT_EQ(stats.seen_by_all, 0u) << "c has not seen the delete";
  EXPECT_EQ(tombstones(a.state()), 1u);

  c.merge(rm);
  stats = collect_garbage(a.state_for_gc(), {a.state().seen, b.state().seen, c.state().seen},
                          300, horizon);
  EXPECT_EQ(stats.seen_by_all, 1u);
  EXPECT_EQ(tombstones(a.state()), 0u);
  EXPECT_TRUE(a.state().services.entries.empty());
}

TEST(TombstoneGc, UnknownMemberDigestMeansOnlyTheHorizonApplies) {
  CrdtConfig cfg;
  cfg.tombstone_horizon_ms = 10'000;
  Replica a(node(0));
  (void)a.create_service(100, "web", spec_with(1));
  (void)a.remove_service(200, "web");
  AntiEntropy ae(cfg, 1, 0);
  auto stats = ae.collect_garbage(a.state_for_gc(), {node(1)}, 5'000);
  EXPECT_EQ(stats.seen_by_all + stats.expired, 0u);
  stats = ae.collect_garbage(a.state_for_gc(), {node(1)}, 10'200);
  EXPECT_EQ(stats.expired, 1u);
}

TEST(TombstoneGc, DeletedTaskEntriesAreCollectedToo) {
  Replica a(node(0));
  a.put_task(100, TaskStatus{"web", 0, 1, TaskState::kRunning, "", "", 100});
  (void)a.delete_task(200, TaskKey{"web", 0});
  EXPECT_EQ(tombstones(a.state()), 1u);
  collect_garbage(a.state_for_gc(), {a.state().seen}, 300, 1'000'000);
  EXPECT_TRUE(a.state().tasks.writers.empty());
}

// The documented hazard: a node cut off for longer than the horizon still holds the deleted
// write; after the others dropped the tombstone by horizon, healing brings the key back on
// every node (and they all agree on it).
TEST(TombstoneGc, PartitionLongerThanHorizonResurrectsTheDeletedKey) {
  const std::uint64_t horizon = 10'000;
  Replica a(node(0)), b(node(1)), away(node(2));
  auto create = a.create_service(100, "web", spec_with(1)).value();
  b.merge(create);
  away.merge(create);
  // `away` is partitioned from here on. The others delete and, after the horizon, GC.
  b.merge(a.remove_service(200, "web").value());
  for (Replica* r : {&a, &b}) {
    auto stats = collect_garbage(r->state_for_gc(), {a.state().seen, b.state().seen},
                                 200 + horizon + 1, horizon);
    EXPECT_EQ(stats.seen_by_all, 1u);
  }
  EXPECT_EQ(a.state().service("web"), nullptr);

  // Heal: anti-entropy rounds. Round 1 tells `away` about the delete event (no record left);
  // round 2 finds equal events but different buckets and exchanges them.
  push_pull(a, away);
  push_pull(a, away);
  push_pull(b, away);
  EXPECT_EQ(a.state(), away.state());
  EXPECT_EQ(b.state(), away.state());
  ASSERT_NE(a.state().service("web"), nullptr) << "resurrected";
}

// Within the horizon the same partition heals without resurrection: the tombstone is still
// there, so the stale write is cancelled everywhere.
TEST(TombstoneGc, PartitionShorterThanHorizonKeepsTheDelete) {
  Replica a(node(0)), away(node(1));
  away.merge(a.create_service(100, "web", spec_with(1)).value());
  (void)a.remove_service(200, "web");
  // `away` is a live member whose digest has not shown the delete: GC proves nothing.
  auto stats = collect_garbage(a.state_for_gc(), {}, 300, 1'000'000);
  EXPECT_EQ(stats.seen_by_all + stats.expired, 0u);
  push_pull(a, away);
  EXPECT_EQ(a.state(), away.state());
  EXPECT_EQ(away.state().service("web"), nullptr);
}

}  // namespace
}  // namespace shoal::crdt
