#include "membership/messages.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal::membership {
namespace {

std::vector<Message> samples() {
  return {
      Ping{7, "n2", "n1"},
      Ack{7},
      PingReq{9, "n3", "10.0.0.3:7946", true},
      Nack{9},
      Suspect{"n3", 4, "n1"},
      Alive{"n3", "10.0.0.3:7946", 5, Bytes{0x95, 0x80, 0, 0, 0x90, 0xa0}},
      Dead{"n3", 5, "n1"},
      Leave{"n4", 2},
      PushPull{"n1", true, false,
               {PushPullEntry{"n1", "a1", 0, 1, {1, 2}}, PushPullEntry{"n2", "a2", 2, 3, {}}},
               Bytes{9, 9, 9}},
      UserMsg{"n1", 0xfeedfacecafebeefULL, Bytes{1, 2, 3}},
  };
}

TEST(Messages, EveryTypeRoundTrips) {
  for (const Message& m : samples()) {
    Bytes wire = encode_message(m);
    DropReason why{};
    auto got = decode_packet(wire.data(), wire.size(), &why);
    ASSERT_TRUE(got.ok()) << static_cast<int>(message_type(m)) << ": " << got.message();
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ(got->front(), m);
  }
}

TEST(Messages, CompoundCarriesAllParts) {
  std::vector<Bytes> parts;
  for (const Message& m : samples()) parts.push_back(encode_message(m));
  Bytes wire = encode_compound(parts);
  DropReason why{};
  auto got = decode_packet(wire.data(), wire.size(), &why);
  ASSERT_TRUE(got.ok()) << got.message();
  EXPECT_EQ(*got, samples());
}

TEST(Messages, CompoundOverheadConstantsAreUpperBounds) {
  std::vector<Bytes> parts{encode_message(Ack{1}), encode_message(UserMsg{"n", 1, Bytes(300, 1)})};
  std::size_t sum = 0;
  for (const Bytes& p : parts) sum += p.size() + kCompoundPartOverheadBytes;
  EXPECT_LE(encode_compound(parts).size(), sum + kCompoundOverheadBytes);
}

TEST(Messages, NestedCompoundIsMalformed) {
  Bytes inner = encode_compound({encode_message(Ack{1})});
  Bytes wire = encode_compound({inner});
  DropReason why{};
  EXPECT_FALSE(decode_packet(wire.data(), wire.size(), &why).ok());
  EXPECT_EQ(why, DropReason::kMalformed);
}

TEST(Messages, UnknownTypeIsCountedAsSuch) {
  Bytes wire = encode_envelope(99, Bytes{0x90});
  DropReason why{};
  EXPECT_FALSE(decode_packet(wire.data(), wire.size(), &why).ok());
  EXPECT_EQ(why, DropReason::kUnknownType);
}

TEST(Messages, BadNodeNameIsMalformed) {
  Bytes wire = encode_message(Suspect{"bad name!", 1, "n1"});
  DropReason why{};
  EXPECT_FALSE(decode_packet(wire.data(), wire.size(), &why).ok());
  EXPECT_EQ(why, DropReason::kMalformed);
}

TEST(Messages, WrongFieldTypeIsMalformed) {
  // An ack whose seq is a string.
  Bytes wire = encode_envelope(static_cast<std::uint32_t>(MessageType::kAck), Bytes{0x91, 0xa1, 'x'});
  DropReason why{};
  EXPECT_FALSE(decode_packet(wire.data(), wire.size(), &why).ok());
  EXPECT_EQ(why, DropReason::kMalformed);
}

TEST(Messages, PushPullStatusOutOfRangeIsMalformed) {
  Bytes wire = encode_message(PushPull{"n1", false, false, {PushPullEntry{"n1", "a1", 9, 1, {}}}, {}});
  DropReason why{};
  EXPECT_FALSE(decode_packet(wire.data(), wire.size(), &why).ok());
  EXPECT_EQ(why, DropReason::kMalformed);
}

TEST(Messages, EveryTruncationOfEveryValidPacketIsDroppedWithAReason) {
  std::vector<Bytes> wires;
  for (const Message& m : samples()) wires.push_back(encode_message(m));
  std::vector<Bytes> parts = wires;
  wires.push_back(encode_compound(parts));
  for (const Bytes& wire : wires) {
    for (std::size_t n = 0; n < wire.size(); ++n) {
      DropReason why = DropReason::kCount;
      EXPECT_FALSE(decode_packet(wire.data(), n, &why).ok()) << n;
      EXPECT_LT(why, DropReason::kCount);
    }
  }
}

RC_GTEST_PROP(Messages, RandomBytesNeverCrash, (const std::vector<std::uint8_t>& bytes)) {
  DropReason why = DropReason::kCount;
  auto got = decode_packet(bytes.data(), bytes.size(), &why);
  if (!got.ok()) RC_ASSERT(why < DropReason::kCount);
}

RC_GTEST_PROP(Messages, MutatedValidPacketsNeverCrash, ()) {
  auto all = samples();
  const auto which = *rc::gen::inRange<std::size_t>(0, all.size());
  Bytes wire = encode_message(all[which]);
  const auto flips = *rc::gen::container<std::vector<std::pair<std::size_t, std::uint8_t>>>(
      rc::gen::pair(rc::gen::inRange<std::size_t>(0, wire.size()), rc::gen::arbitrary<std::uint8_t>()));
  for (const auto& [pos, value] : flips) wire[pos] = value;
  DropReason why = DropReason::kCount;
  auto got = decode_packet(wire.data(), wire.size(), &why);
  if (!got.ok()) RC_ASSERT(why < DropReason::kCount);
}

RC_GTEST_PROP(Messages, UserPayloadsRoundTrip, (const std::vector<std::uint8_t>& payload, std::uint64_t id)) {
  Message m = UserMsg{"node-1", id, payload};
  Bytes wire = encode_message(m);
  DropReason why{};
  auto got = decode_packet(wire.data(), wire.size(), &why);
  RC_ASSERT(got.ok());
  RC_ASSERT(got->front() == m);
}

}  // namespace
}  // namespace shoal::membership
