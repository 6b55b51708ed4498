// PacketGuard: the checks between the keyring and the SWIM core, with real keyrings.
#include "membership/packet_guard.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal::membership {
namespace {

struct Node {
  Node(const Keyring& ring, std::string name, std::uint64_t epoch)
      : name(name), addr("addr-" + name), guard(ring, name, epoch) {}
  std::string name, addr;
  PacketGuard guard;
};

Result<GuardedPacket> deliver(Node& to, const Node& from, SealChannel ch, const Bytes& sealed, DropReason* why) {
  return to.guard.open(ch, from.addr, sealed.data(), sealed.size(), why);
}

const Bytes kMsg{1, 2, 3};

TEST(PacketGuard, OpensWhatWasSealedForItAndNamesTheSender) {
  Keyring ring(generate_key());
  Node a(ring, "a", 11), b(ring, "b", 22);
  Bytes p = a.guard.seal(SealChannel::kDatagram, b.guard.destination_for(b.addr, "b"), kMsg);
  DropReason why{};
  auto got = deliver(b, a, SealChannel::kDatagram, p, &why);
  ASSERT_TRUE(got.ok()) << got.message();
  EXPECT_EQ(got->plaintext, kMsg);
  EXPECT_EQ(got->sender_id, node_hash("a"));
  // b learned a's id from its address: a reply to that address is bound to a without a name.
  EXPECT_EQ(b.guard.destination_for(a.addr, ""), node_hash("a"));
}

TEST(PacketGuard, CapturedPacketReplayedToAnotherNodeIsWrongDestination) {
  Keyring ring(generate_key());
  Node a(ring, "a", 11), b(ring, "b", 22), c(ring, "c", 33);
  Bytes for_b = a.guard.seal(SealChannel::kDatagram, node_hash("b"), kMsg);
  DropReason why{};
  EXPECT_FALSE(deliver(c, a, SealChannel::kDatagram, for_b, &why).ok());
  EXPECT_EQ(why, DropReason::kWrongDestination);
  // And replayed to b itself: b accepts it once only.
  ASSERT_TRUE(deliver(b, a, SealChannel::kDatagram, for_b, &why).ok());
  EXPECT_FALSE(deliver(b, a, SealChannel::kDatagram, for_b, &why).ok());
  EXPECT_EQ(why, DropReason::kReplayed);
}

TEST(PacketGuard, UnknownDestinationOnlyForStreamRequests) {
  Keyring ring(generate_key());
  Node a(ring, "a", 11), b(ring, "b", 22);
  EXPECT_EQ(a.guard.destination_for("seed:7946", ""), 0u);
  DropReason why{};
  Bytes join = a.guard.seal(SealChannel::kStreamRequest, 0, kMsg);  // a join to a seed address
  EXPECT_TRUE(deliver(b, a, SealChannel::kStreamRequest, join, &why).ok());
  Bytes dgram = a.guard.seal(SealChannel::kDatagram, 0, kMsg);
  EXPECT_FALSE(deliver(b, a, SealChannel::kDatagram, dgram, &why).ok());
  EXPECT_EQ(why, DropReason::kWrongDestination);
}

TEST(PacketGuard, PacketOnAnotherChannelIsWrongChannel) {
  Keyring ring(generate_key());
  Node a(ring, "a", 11), b(ring, "b", 22);
  Bytes reply = a.guard.seal(SealChannel::kStreamReply, node_hash("b"), kMsg);
  DropReason why{};
  EXPECT_FALSE(deliver(b, a, SealChannel::kStreamRequest, reply, &why).ok());
  EXPECT_EQ(why, DropReason::kWrongChannel);
  EXPECT_FALSE(deliver(b, a, SealChannel::kDatagram, reply, &why).ok());
  EXPECT_EQ(why, DropReason::kWrongChannel);
}

TEST(PacketGuard, RestartedPeerIsHeardAndItsOldSessionRetired) {
  Keyring ring(generate_key());
  Node a(ring, "a", 11), b(ring, "b", 22);
  DropReason why{};
  Bytes old1 = a.guard.seal(SealChannel::kDatagram, node_hash("b"), kMsg);
  Bytes old2 = a.guard.seal(SealChannel::kDatagram, node_hash("b"), kMsg);  // captured, never delivered
  ASSERT_TRUE(deliver(b, a, SealChannel::kDatagram, old1, &why).ok());
  // a restarts: new guard, new epoch. Its first packet (no echo yet) is heard.
  Node a2(ring, "a", 12);
  ASSERT_TRUE(deliver(b, a2, SealChannel::kDatagram, a2.guard.seal(SealChannel::kDatagram, node_hash("b"), kMsg), &why).ok());
  // b answers; a2 learns b's epoch and echoes it: the restart is confirmed.
  ASSERT_TRUE(deliver(a2, b, SealChannel::kDatagram, b.guard.seal(SealChannel::kDatagram, node_hash("a"), kMsg), &why).ok());
  ASSERT_TRUE(deliver(b, a2, SealChannel::kDatagram, a2.guard.seal(SealChannel::kDatagram, node_hash("b"), kMsg), &why).ok());
  EXPECT_EQ(b.guard.replay().epoch_changes(), 1u);
  // The attacker's capture from the old session is refused now.
  EXPECT_FALSE(deliver(b, a, SealChannel::kDatagram, old2, &why).ok());
  EXPECT_EQ(why, DropReason::kReplayed);
}

TEST(PacketGuard, KeyRotationKeepsWorking) {
  Key k1 = generate_key(), k2 = generate_key();
  Keyring ring_a(k1), ring_b(k1);
  Node a(ring_a, "a", 11), b(ring_b, "b", 22);
  ASSERT_TRUE(ring_a.install(k2).ok());
  ASSERT_TRUE(ring_b.install(k2).ok());
  ASSERT_TRUE(ring_a.use(k2).ok());  // a seals with k2 now; b still has both keys
  DropReason why{};
  EXPECT_TRUE(deliver(b, a, SealChannel::kDatagram, a.guard.seal(SealChannel::kDatagram, node_hash("b"), kMsg), &why).ok());
  ASSERT_TRUE(ring_b.use(k2).ok());
  ASSERT_TRUE(ring_b.remove(k1).ok());
  EXPECT_TRUE(deliver(b, a, SealChannel::kDatagram, a.guard.seal(SealChannel::kDatagram, node_hash("b"), kMsg), &why).ok());
}

TEST(PacketGuard, OwnPacketReflectedBackIsDropped) {
  Keyring ring(generate_key());
  Node a(ring, "a", 11);
  Bytes p = a.guard.seal(SealChannel::kDatagram, node_hash("a"), kMsg);
  DropReason why{};
  EXPECT_FALSE(deliver(a, a, SealChannel::kDatagram, p, &why).ok());
  EXPECT_EQ(why, DropReason::kReplayed);
}

// Law: a sealed packet is accepted by exactly one node, its destination, exactly once, however
// often and to whomever it is replayed.
RC_GTEST_PROP(PacketGuard, AcceptedOnceByItsDestinationOnly, (std::vector<std::uint8_t> replays)) {
  Keyring ring(generate_key());
  std::vector<std::unique_ptr<Node>> nodes;
  for (int i = 0; i < 4; ++i) nodes.push_back(std::make_unique<Node>(ring, "n" + std::to_string(i), 100 + i));
  Bytes p = nodes[0]->guard.seal(SealChannel::kDatagram, node_hash("n1"), kMsg);
  int accepted = 0;
  for (std::uint8_t r : replays) {
    Node& to = *nodes[1 + r % 3];
    DropReason why{};
    if (deliver(to, *nodes[0], SealChannel::kDatagram, p, &why).ok()) {
      RC_ASSERT(to.name == "n1");
      ++accepted;
    }
  }
  RC_ASSERT(accepted <= 1);
}

}  // namespace
}  // namespace shoal::membership
