#include "membership/node_meta.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal::membership {
namespace {

TEST(NodeMeta, RoundTrips) {
  NodeMeta m{{{"zone", "a"}, {"ssd", "true"}}, 4000, 8ULL << 30, {"10.0.0.5", "fd00::5"}, "0.1.0",
             "10.200.3.0/24", 1764000000000};
  auto bytes = encode_meta(m);
  ASSERT_TRUE(bytes.ok()) << bytes.message();
  auto back = decode_meta(*bytes);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(*back, m);
}

TEST(NodeMeta, FiveFieldMetaOfOlderAgentsDecodes) {
  // [{}, 1, 2, [], ""]: no dataplane fields.
  auto back = decode_meta(Bytes{0x95, 0x80, 0x01, 0x02, 0x90, 0xa0});
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->cpu_millis, 1u);
  EXPECT_EQ(back->overlay_subnet, "");
  EXPECT_EQ(back->first_start_ms, 0u);
}

TEST(NodeMeta, OverTheBoundIsAClearError) {
  NodeMeta m;
  m.labels["big"] = std::string(600, 'x');
  auto bytes = encode_meta(m);
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.message().find("over the limit of 512"), std::string::npos) << bytes.message();
  EXPECT_TRUE(encode_meta(m, 1024).ok());
}

TEST(NodeMeta, OversizedInputIsRejectedBeforeParsing) {
  Bytes big(513, 0x90);
  EXPECT_FALSE(decode_meta(big).ok());
}

TEST(NodeMeta, WrongShapeIsAnError) {
  EXPECT_FALSE(decode_meta(Bytes{0x93, 0x80, 0x01, 0x02}).ok());  // 3 fields
  EXPECT_FALSE(decode_meta(Bytes{0x95, 0x01, 0x01, 0x01, 0x90, 0xa0}).ok());  // labels not a map
  EXPECT_FALSE(decode_meta(Bytes{}).ok());
}

RC_GTEST_PROP(NodeMeta, RandomBytesNeverCrash, (const std::vector<std::uint8_t>& bytes)) {
  (void)decode_meta(bytes);
}

RC_GTEST_PROP(NodeMeta, EncodableMetaRoundTrips,
              (const std::map<std::string, std::string>& labels, std::uint64_t cpu, std::uint64_t mem,
               const std::string& version)) {
  NodeMeta m{labels, cpu, mem, {"10.1.2.3"}, version, "10.200.1.0/24", cpu};
  auto bytes = encode_meta(m, 1 << 16);
  RC_ASSERT(bytes.ok());
  auto back = decode_meta(*bytes, 1 << 16);
  // Large generated maps may exceed the decoder's per-container bounds; those must fail cleanly.
  if (back.ok()) RC_ASSERT(*back == m);
}

}  // namespace
}  // namespace shoal::membership
