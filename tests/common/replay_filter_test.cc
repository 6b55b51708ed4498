#include "common/replay_filter.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

namespace shoal {

namespace {
constexpr std::uint64_t kOwn = 0xA1;  // our epoch
constexpr std::uint64_t kPeer = 7;
constexpr ReplayVerdict kFresh = ReplayVerdict::kFresh;
}  // namespace

TEST(ReplayFilter, AcceptsOnceRejectsReplay) {
  ReplayFilter f(kOwn);
  EXPECT_EQ(f.accept(kPeer, 100, 1, 0), kFresh);
  EXPECT_EQ(f.accept(kPeer, 100, 1, 0), ReplayVerdict::kDuplicate);
  EXPECT_EQ(f.accept(kPeer, 100, 2, 0), kFresh);
  EXPECT_EQ(f.accept(8, 100, 1, 0), kFresh);  // another sender, own sequence
}

TEST(ReplayFilter, NoWallClockAnywhere) {
  // The old filter dropped a packet whose sender's clock was 5 minutes ahead. There is no time
  // in the new one: any counter sequence from any epoch is fresh the first time.
  ReplayFilter f(kOwn);
  for (std::uint64_t c = 1; c < 100; ++c) EXPECT_EQ(f.accept(kPeer, 0xFFFFFFFFFFFFull, c, 0), kFresh);
}

TEST(ReplayFilter, ReorderingWithinTheWindowIsFine) {
  ReplayFilter f(kOwn);
  EXPECT_EQ(f.accept(kPeer, 5, 3000, 0), kFresh);
  EXPECT_EQ(f.accept(kPeer, 5, 3000 - ReplayFilter::kWindowPackets + 1, 0), kFresh);
  EXPECT_EQ(f.accept(kPeer, 5, 3000 - ReplayFilter::kWindowPackets, 0), ReplayVerdict::kTooOld);
  EXPECT_EQ(f.accept(kPeer, 5, 2999, 0), kFresh);
  EXPECT_EQ(f.accept(kPeer, 5, 2999, 0), ReplayVerdict::kDuplicate);
  EXPECT_EQ(f.accept(kPeer, 5, 9000, 0), kFresh);  // a jump clears the window
  EXPECT_EQ(f.accept(kPeer, 5, 8999, 0), kFresh);
}

TEST(ReplayFilter, ZeroEpochOrCounterIsInvalid) {
  ReplayFilter f(kOwn);
  EXPECT_EQ(f.accept(kPeer, 0, 1, 0), ReplayVerdict::kInvalid);
  EXPECT_EQ(f.accept(kPeer, 1, 0, 0), ReplayVerdict::kInvalid);
}

TEST(ReplayFilter, RestartedPeerIsConfirmedByTheEchoAndItsOldEpochRetired) {
  ReplayFilter f(kOwn);
  ASSERT_EQ(f.accept(kPeer, 100, 1, 0), kFresh);  // first contact: current
  ASSERT_EQ(f.accept(kPeer, 100, 2, kOwn), kFresh);
  // The peer restarts (epoch 200). Before it hears us its packets carry no echo: accepted as a
  // candidate, nothing retired.
  EXPECT_EQ(f.accept(kPeer, 200, 1, 0), kFresh);
  EXPECT_EQ(f.current_epoch(kPeer), 100u);
  EXPECT_EQ(f.accept(kPeer, 200, 1, 0), ReplayVerdict::kDuplicate);  // the candidate has a window
  // It hears us and echoes our epoch: confirmed, the old epoch is retired.
  EXPECT_EQ(f.accept(kPeer, 200, 2, kOwn), kFresh);
  EXPECT_EQ(f.current_epoch(kPeer), 200u);
  EXPECT_EQ(f.epoch_changes(), 1u);
  // An attacker replaying the old session (even unseen counters) is dropped from now on.
  EXPECT_EQ(f.accept(kPeer, 100, 3, kOwn), ReplayVerdict::kRetiredEpoch);
  EXPECT_EQ(f.accept(kPeer, 100, 50, 0), ReplayVerdict::kRetiredEpoch);
  EXPECT_EQ(f.accept(kPeer, 200, 1, 0), ReplayVerdict::kDuplicate);  // the window moved over
}

TEST(ReplayFilter, AReplayedOldSessionCannotLockTheLivePeerOut) {
  // We started after the peer's epoch 100 ended; we know it as epoch 200. An attacker replays
  // a capture of epoch 100 (without our epoch as echo: it was sealed before we existed).
  ReplayFilter f(kOwn);
  ASSERT_EQ(f.accept(kPeer, 200, 10, kOwn), kFresh);
  EXPECT_EQ(f.accept(kPeer, 100, 1, 0x55), kFresh);  // accepted once, as a candidate only
  EXPECT_EQ(f.accept(kPeer, 100, 1, 0x55), ReplayVerdict::kDuplicate);
  EXPECT_EQ(f.current_epoch(kPeer), 200u);
  EXPECT_EQ(f.accept(kPeer, 200, 11, kOwn), kFresh);  // the live peer is still heard
}

TEST(ReplayFilter, MemoryIsBoundedUnderManySendersAndEpochs) {
  ReplayFilter f(kOwn, {.peers_max = 8, .retired_epochs_max = 2});
  for (std::uint64_t s = 1; s <= 100; ++s) EXPECT_EQ(f.accept(s, 1, 1, 0), kFresh);
  EXPECT_EQ(f.peers(), 8u);
  // Forged epochs of one sender (authentic packets from a key holder): bounded too.
  for (std::uint64_t e = 2; e < 1000; ++e) EXPECT_EQ(f.accept(100, e, 1, kOwn), kFresh);
  EXPECT_EQ(f.peers(), 8u);
  EXPECT_EQ(f.current_epoch(100), 999u);
  // Least recently heard evicted first: sender 93 was heard before 94..100.
  EXPECT_EQ(f.current_epoch(93), 1u);
  EXPECT_EQ(f.accept(1, 1, 1, 0), kFresh);  // 1 was evicted: forgotten, fresh again
  EXPECT_EQ(f.current_epoch(93), 0u);       // and 93, the least recent, made room
}

// Law: within one epoch, a counter is accepted at most once, whatever the order and repeats.
RC_GTEST_PROP(ReplayFilter, EachCounterAcceptedAtMostOnce, (std::vector<std::uint16_t> counters)) {
  ReplayFilter f(kOwn);
  std::set<std::uint64_t> accepted;
  for (std::uint16_t raw : counters) {
    const std::uint64_t c = raw % 3000 + 1;
    if (f.accept(kPeer, 9, c, 0) == kFresh) RC_ASSERT(accepted.insert(c).second);
  }
}

// Law: a strictly increasing sequence (a sender's own order, with gaps) is always accepted.
RC_GTEST_PROP(ReplayFilter, InOrderPacketsAreAlwaysFresh, (std::vector<std::uint8_t> gaps)) {
  ReplayFilter f(kOwn);
  std::uint64_t c = 0;
  for (std::uint8_t g : gaps) {
    c += g + 1u;
    RC_ASSERT(f.accept(kPeer, 9, c, 0) == kFresh);
  }
}

// Law: once a peer's new epoch is confirmed, no packet of its previous epoch is ever accepted.
RC_GTEST_PROP(ReplayFilter, RetiredEpochNeverReadmitted, (std::vector<std::uint16_t> old_counters)) {
  ReplayFilter f(kOwn);
  RC_ASSERT(f.accept(kPeer, 1, 1, 0) == kFresh);
  RC_ASSERT(f.accept(kPeer, 2, 1, kOwn) == kFresh);
  for (std::uint16_t c : old_counters) RC_ASSERT(f.accept(kPeer, 1, c + 1u, kOwn) != kFresh);
}

}  // namespace shoal
