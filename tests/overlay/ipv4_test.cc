#include "overlay/ipv4.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal {

TEST(Ipv4, ParsesAndFormats) {
  auto ip = parse_ipv4("10.200.3.7");
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->value, 0x0AC80307u);
  EXPECT_EQ(to_string(*ip), "10.200.3.7");
  EXPECT_EQ((ip->bytes()), (std::array<std::uint8_t, 4>{10, 200, 3, 7}));
}

TEST(Ipv4, RejectsMalformed) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "a.b.c.d", "1..2.3",
                          " 1.2.3.4", "1.2.3.4 ", "1.2.3.0004"})
    EXPECT_FALSE(parse_ipv4(bad).ok()) << bad;
}

TEST(Ipv4Prefix, ParsesAndChecksHostBits) {
  auto p = parse_prefix("10.200.0.0/16");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->length, 16);
  EXPECT_TRUE(p->contains(*parse_ipv4("10.200.255.1")));
  EXPECT_FALSE(p->contains(*parse_ipv4("10.201.0.1")));
  EXPECT_EQ(to_string(nth_subprefix(*p, 24, 5)), "10.200.5.0/24");
  auto bad = parse_prefix("10.200.0.1/16");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("10.200.0.0/16"), std::string::npos);  // tells the fix
  EXPECT_FALSE(parse_prefix("10.0.0.0/0").ok());
  EXPECT_FALSE(parse_prefix("10.0.0.0/33").ok());
  EXPECT_FALSE(parse_prefix("10.0.0.0/").ok());
  EXPECT_FALSE(parse_prefix("10.0.0.0").ok());
}

RC_GTEST_PROP(Ipv4, FormatThenParseIsIdentity, (std::uint32_t value)) {
  auto parsed = parse_ipv4(to_string(Ipv4{value}));
  RC_ASSERT(parsed.ok());
  RC_ASSERT(parsed->value == value);
}

RC_GTEST_PROP(Ipv4, ParseNeverCrashes, (std::string text)) {
  auto parsed = parse_ipv4(text);
  if (parsed.ok()) RC_ASSERT(parse_ipv4(to_string(*parsed))->value == parsed->value);
}

}  // namespace shoal
