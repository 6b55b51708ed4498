#include "common/units.h"

#include <gtest/gtest.h>

namespace shoal {

TEST(Units, Sizes) {
  EXPECT_EQ(*parse_size_bytes("512MiB"), 512ull << 20);
  EXPECT_EQ(*parse_size_bytes("1G"), 1ull << 30);
  EXPECT_EQ(*parse_size_bytes("1.5k"), 1536u);
  EXPECT_EQ(*parse_size_bytes("100"), 100u);
  EXPECT_FALSE(parse_size_bytes("12Q").ok());
  EXPECT_FALSE(parse_size_bytes("").ok());
  EXPECT_FALSE(parse_size_bytes("MiB").ok());
  EXPECT_NE(parse_size_bytes("x").message().find("512MiB"), std::string::npos);
}

TEST(Units, Durations) {
  EXPECT_EQ(*parse_duration_ms("2s"), 2000u);
  EXPECT_EQ(*parse_duration_ms("500ms"), 500u);
  EXPECT_EQ(*parse_duration_ms("1m30s"), 90'000u);
  EXPECT_EQ(*parse_duration_ms("1.5s"), 1500u);
  EXPECT_EQ(*parse_duration_ms("3"), 3000u);
  EXPECT_FALSE(parse_duration_ms("2 days").ok());
  EXPECT_FALSE(parse_duration_ms("").ok());
}

TEST(Units, Cpu) {
  EXPECT_EQ(*parse_cpu_millis("0.5"), 500u);
  EXPECT_EQ(*parse_cpu_millis("2"), 2000u);
  EXPECT_FALSE(parse_cpu_millis("2x").ok());
}

// "99999999999h" used to wrap around uint64 and was stored as 9.5e15 ms.
TEST(Units, DurationsAboveTheCapAreRefused) {
  auto huge = parse_duration_ms("99999999999h");
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.message().find("limit"), std::string::npos) << huge.message();
  EXPECT_FALSE(parse_duration_ms("18446744073709551615ms").ok());
  EXPECT_FALSE(parse_duration_ms("8761h").ok());
  EXPECT_FALSE(parse_duration_ms("8760h1ms").ok());
  EXPECT_EQ(*parse_duration_ms("8760h"), kMaxDurationMs);
  EXPECT_EQ(*parse_duration_ms("24h"), 86'400'000u);
}

TEST(Units, FormatRoundTrips) {
  EXPECT_EQ(format_size(512ull << 20), "512MiB");
  EXPECT_EQ(format_size(1000), "1000B");
  EXPECT_EQ(format_duration(90'000), "1m30s");
  EXPECT_EQ(format_duration(250), "250ms");
  for (std::uint64_t ms : {1u, 999u, 1000u, 61'000u, 3'600'000u, 3'661'000u})
    EXPECT_EQ(*parse_duration_ms(format_duration(ms)), ms);
}

}  // namespace shoal
