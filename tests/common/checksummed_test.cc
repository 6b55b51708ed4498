#include "common/checksummed.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal {
namespace {

constexpr Magic kMagic = {'T', 'E', 'S', 'T', 'F', 'M', 'T', 1};

std::string_view view(const Bytes& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

TEST(Checksummed, RoundTrip) {
  Bytes payload = {1, 2, 3, 0, 255};
  Bytes sealed = seal_checksummed(kMagic, payload);
  ASSERT_EQ(sealed.size(), kChecksummedHeaderBytes + payload.size());
  auto opened = open_checksummed(kMagic, view(sealed));
  ASSERT_TRUE(opened) << opened.message();
  EXPECT_EQ(*opened, view(payload));
}

TEST(Checksummed, EmptyPayload) {
  Bytes sealed = seal_checksummed(kMagic, {});
  auto opened = open_checksummed(kMagic, view(sealed));
  ASSERT_TRUE(opened);
  EXPECT_TRUE(opened->empty());
}

TEST(Checksummed, OtherFormatsAreNotThisOne) {
  Bytes legacy = {0x85, 0xa1, 'v', 1};  // msgpack, as state files were before checksums
  EXPECT_FALSE(has_magic(view(legacy), kMagic));
  auto opened = open_checksummed(kMagic, view(legacy));
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.message().find("no header"), std::string::npos);
  Magic other = kMagic;
  other[7] = 2;  // the next version of the format
  EXPECT_FALSE(open_checksummed(other, view(seal_checksummed(kMagic, {7}))));
}

TEST(Checksummed, TruncatedHeaderIsRefused) {
  Bytes sealed = seal_checksummed(kMagic, {1, 2, 3});
  auto opened = open_checksummed(kMagic, view(sealed).substr(0, 12));
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.message().find("truncated"), std::string::npos);
}

// Law: any change of one byte after the magic (checksum or payload), and any truncation of the
// payload, is refused.
RC_GTEST_PROP(Checksummed, EveryOneByteChangeIsDetected, (const std::vector<std::uint8_t>& payload)) {
  Bytes sealed = seal_checksummed(kMagic, payload);
  const auto at = *rc::gen::inRange<std::size_t>(8, sealed.size());
  const auto flip = *rc::gen::inRange<int>(1, 256);
  Bytes changed = sealed;
  changed[at] = static_cast<std::uint8_t>(changed[at] ^ flip);
  auto opened = open_checksummed(kMagic, view(changed));
  RC_ASSERT(!opened);
  RC_ASSERT(opened.message().find("checksum mismatch") != std::string::npos);
  if (!payload.empty()) {
    const auto keep = *rc::gen::inRange<std::size_t>(kChecksummedHeaderBytes, sealed.size());
    RC_ASSERT(!open_checksummed(kMagic, view(sealed).substr(0, keep)));
  }
}

}  // namespace
}  // namespace shoal
