#include "crdt/anti_entropy.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "random_history.h"

namespace shoal::crdt {
namespace {

using testing::node;
using testing::spec_with;

Replica with_services(int self, int count, std::uint64_t now_ms) {
  Replica r(node(self));
  for (int i = 0; i < count; ++i) {
    (void)r.create_service(now_ms, "svc" + std::to_string(i), spec_with(1));
  }
  return r;
}

TEST(Digest, EmptyDigestGetsTheFullState) {
  Replica r = with_services(0, 5, 100);
  r.set_availability(101, node(2), Availability::kPause);
  EXPECT_EQ(delta_for_peer(r.state(), Digest{}), r.state());
}

TEST(Digest, PeerThatHasEverythingGetsNothing) {
  Replica r = with_services(0, 5, 100);
  DesiredState d = delta_for_peer(r.state(), make_digest(r.state(), 16));
  EXPECT_TRUE(d.empty());
}

TEST(Digest, OnlyMissingEntriesAreSent) {
  Replica a = with_services(0, 100, 100);
  Replica b(node(1));
  b.merge(a.state());
  auto one = a.scale_service(200, "svc42", 3).value();
  DesiredState d = delta_for_peer(a.state(), make_digest(b.state(), 16));
  ASSERT_EQ(d.services.entries.size(), 1u);
  EXPECT_EQ(d.services.entries.begin()->first, "svc42");
  b.merge(d);
  EXPECT_EQ(a.state(), b.state());
}

TEST(Digest, BucketHashesIgnoreEventsAndFollowItems) {
  Replica a = with_services(0, 3, 100);
  Digest d1 = make_digest(a.state(), 4);
  EXPECT_EQ(d1.bucket_hashes.size(), 4u);
  (void)a.scale_service(200, "svc1", 9);
  Digest d2 = make_digest(a.state(), 4);
  int changed = 0;
  for (int i = 0; i < 4; ++i) changed += d1.bucket_hashes[i] != d2.bucket_hashes[i];
  EXPECT_EQ(changed, 1) << "one service changed: one bucket";
}

TEST(AntiEntropy, RoundsAreDueEveryIntervalAndPickPeersDeterministically) {
  CrdtConfig cfg;
  cfg.anti_entropy_interval_ms = 1000;
  AntiEntropy x(cfg, 42, 0), y(cfg, 42, 0);
  DesiredState empty;
  std::vector<NodeId> peers{node(1), node(2), node(3)};
  EXPECT_EQ(x.next_deadline_ms(), 1000u);
  EXPECT_FALSE(x.poll(999, empty, peers).has_value());
  std::set<NodeId> picked;
  for (std::uint64_t t = 1000; t <= 20000; t += 1000) {
    auto rx = x.poll(t, empty, peers);
    auto ry = y.poll(t, empty, peers);
    ASSERT_TRUE(rx.has_value());
    EXPECT_EQ(rx->peer, ry->peer) << "same seed, same choices";
    picked.insert(rx->peer);
    EXPECT_EQ(x.next_deadline_ms(), t + 1000);
  }
  EXPECT_EQ(picked.size(), 3u);
  EXPECT_FALSE(x.poll(21000, empty, {}).has_value());
  EXPECT_EQ(x.next_deadline_ms(), 22000u);
}

TEST(AntiEntropy, PushPullRoundSyncsBothWays) {
  CrdtConfig cfg;
  Replica a = with_services(0, 3, 100), b(node(1));
  b.set_availability(100, node(0), Availability::kDrain);
  AntiEntropy ae_a(cfg, 1, 0), ae_b(cfg, 2, 0);
  auto req = ae_a.poll(cfg.anti_entropy_interval_ms, a.state(), {node(1)});
  ASSERT_TRUE(req.has_value());
  DesiredState reply = ae_b.on_digest(node(0), req->digest, b.state());
  Digest db = ae_b.digest(b.state());
  a.merge(reply);
  b.merge(ae_a.on_digest(node(1), db, a.state()));
  EXPECT_EQ(a.state(), b.state());
  EXPECT_EQ(a.state().availability_of(node(0)), Availability::kDrain);
  EXPECT_EQ(a.state().all_services().size(), 3u);
}

}  // namespace
}  // namespace shoal::crdt
