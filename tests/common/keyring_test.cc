#include "common/keyring.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal {

namespace {
const SealHeader kHeader{SealChannel::kDatagram, 11, 22, 33, 1, 44};
}

TEST(Keyring, SealOpenRoundTrip) {
  Keyring ring(generate_key());
  Bytes msg{1, 2, 3, 4, 5};
  SealHeader h{SealChannel::kStreamReply, node_hash("n1"), node_hash("n2"), 0x1234, 42, 0x77};
  Bytes sealed = ring.seal(msg, h);
  EXPECT_EQ(sealed.size(), msg.size() + kSealOverheadBytes);
  DropReason why{};
  auto opened = ring.open(sealed.data(), sealed.size(), &why);
  ASSERT_TRUE(opened.ok()) << opened.message();
  EXPECT_EQ(opened->plaintext, msg);
  EXPECT_EQ(opened->header, h);
}

TEST(Keyring, NodeHashIsNeverZeroAndDiffers) {
  EXPECT_NE(node_hash("n1"), 0u);
  EXPECT_NE(node_hash(""), 0u);
  EXPECT_NE(node_hash("n1"), node_hash("n2"));
}

TEST(Keyring, WrongKeyIsUnknownKey) {
  Keyring a(generate_key()), b(generate_key());
  Bytes sealed = a.seal(Bytes{9, 9}, kHeader);
  DropReason why{};
  EXPECT_FALSE(b.open(sealed.data(), sealed.size(), &why).ok());
  EXPECT_EQ(why, DropReason::kUnknownKey);
}

TEST(Keyring, TamperedPacketFailsMac) {
  Keyring ring(generate_key());
  Bytes sealed = ring.seal(Bytes{1, 2, 3}, kHeader);
  // Every byte after the key id is covered: channel, sender, destination, epoch, counter, echo,
  // nonce, ciphertext, tag. (A flipped channel byte may also name no channel: malformed.)
  for (std::size_t i = 5; i < sealed.size(); ++i) {
    Bytes t = sealed;
    t[i] ^= 0x40;
    DropReason why{};
    EXPECT_FALSE(ring.open(t.data(), t.size(), &why).ok()) << "byte " << i;
    if (i == 5) EXPECT_EQ(why, DropReason::kMalformed);
    else EXPECT_EQ(why, DropReason::kBadMac) << "byte " << i;
  }
  // A destination rewritten to another node's id fails the MAC: it cannot be re-addressed.
  Bytes t = sealed;
  const std::uint64_t other = node_hash("n9");
  for (int b = 0; b < 8; ++b) t[14 + b] = static_cast<std::uint8_t>(other >> (56 - 8 * b));
  DropReason why{};
  EXPECT_FALSE(ring.open(t.data(), t.size(), &why).ok());
  EXPECT_EQ(why, DropReason::kBadMac);
}

TEST(Keyring, TruncatedPacket) {
  Keyring ring(generate_key());
  Bytes sealed = ring.seal(Bytes{1}, kHeader);
  DropReason why{};
  EXPECT_FALSE(ring.open(sealed.data(), 10, &why).ok());
  EXPECT_EQ(why, DropReason::kTruncated);
}

TEST(Keyring, RotationInstallUseRemove) {
  Key k1 = generate_key(), k2 = generate_key();
  Keyring old_ring(k1), ring(k1);
  Bytes from_old = old_ring.seal(Bytes{7}, kHeader);
  ASSERT_TRUE(ring.install(k2).ok());
  ASSERT_TRUE(ring.use(k2).ok());
  EXPECT_EQ(ring.primary(), k2);
  DropReason why{};
  EXPECT_TRUE(ring.open(from_old.data(), from_old.size(), &why).ok());  // old key still accepted
  EXPECT_FALSE(ring.remove(k2).ok());  // primary cannot be removed
  ASSERT_TRUE(ring.remove(k1).ok());
  EXPECT_FALSE(ring.open(from_old.data(), from_old.size(), &why).ok());
  EXPECT_FALSE(ring.use(k1).ok());
}

TEST(Keyring, Base64AndFileFormat) {
  Key k = generate_key();
  auto back = key_from_base64(key_to_base64(k));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, k);
  EXPECT_FALSE(key_from_base64("not base64!").ok());
  EXPECT_FALSE(key_from_base64("AAAA").ok());
  Keyring ring(k);
  ASSERT_TRUE(ring.install(generate_key()).ok());
  auto parsed = Keyring::from_text(ring.to_text());
  ASSERT_TRUE(parsed.ok()) << parsed.message();
  EXPECT_EQ(parsed->keys(), ring.keys());
  EXPECT_FALSE(Keyring::from_text("# nothing\n").ok());
}

RC_GTEST_PROP(Keyring, GarbageNeverOpens, (std::vector<std::uint8_t> garbage)) {
  Keyring ring(generate_key());
  DropReason why{};
  RC_ASSERT(!ring.open(garbage.data(), garbage.size(), &why).ok());
}

}  // namespace shoal
