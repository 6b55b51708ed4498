#include "common/envelope.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal {

TEST(Envelope, RoundTrip) {
  Bytes body{0xde, 0xad, 0xbe, 0xef};
  Bytes wire = encode_envelope(7, body);
  DropReason why{};
  auto env = decode_envelope(wire.data(), wire.size(), &why);
  ASSERT_TRUE(env.ok()) << env.message();
  EXPECT_EQ(env->type, 7u);
  EXPECT_EQ(env->body, body);
}

TEST(Envelope, UnknownVersionIsCountedAsSuch) {
  Bytes wire = encode_envelope(1, {});
  wire[1] = 0x02;  // fixarray(3), then positive fixint version
  DropReason why{};
  EXPECT_FALSE(decode_envelope(wire.data(), wire.size(), &why).ok());
  EXPECT_EQ(why, DropReason::kUnknownVersion);
}

TEST(Envelope, TruncatedIsMalformed) {
  Bytes wire = encode_envelope(1, Bytes(100, 1));
  for (std::size_t n = 0; n < wire.size(); ++n) {
    DropReason why{};
    EXPECT_FALSE(decode_envelope(wire.data(), n, &why).ok()) << n;
    EXPECT_EQ(why, DropReason::kMalformed);
  }
}

TEST(Envelope, HugeDeclaredArrayDoesNotAllocate) {
  // array32 declaring 2^32-1 elements, with no payload
  Bytes wire{0xdd, 0xff, 0xff, 0xff, 0xff};
  DropReason why{};
  EXPECT_FALSE(decode_envelope(wire.data(), wire.size(), &why).ok());
}

RC_GTEST_PROP(Envelope, GarbageNeverCrashes, (std::vector<std::uint8_t> garbage)) {
  DropReason why{};
  auto env = decode_envelope(garbage.data(), garbage.size(), &why);
  if (env.ok()) RC_ASSERT(env->version == kWireVersion);
}

}  // namespace shoal
