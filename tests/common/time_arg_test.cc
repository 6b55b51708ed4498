// --since/--until as Docker takes them (common/time_arg.h).
#include <gtest/gtest.h>

#include "common/time_arg.h"

namespace shoal {
namespace {

constexpr std::uint64_t kNow = 1'765'110'000'000;  // 2025-12-07T12:20:00Z

TEST(TimeArg, UnixSeconds) {
  EXPECT_EQ(*parse_time_arg("1733580000", kNow), 1'733'580'000'000u);
  EXPECT_EQ(*parse_time_arg("1733580000.25", kNow), 1'733'580'000'250u);
  EXPECT_EQ(*parse_time_arg("0", kNow), 0u);
}

TEST(TimeArg, Rfc3339AndDates) {
  EXPECT_EQ(*parse_time_arg("2025-12-07T12:20:00Z", kNow), kNow);
  EXPECT_EQ(*parse_time_arg("2025-12-07T12:20:00.5Z", kNow), kNow + 500);
  EXPECT_EQ(*parse_time_arg("2025-12-07T13:20:00+01:00", kNow), kNow);
  EXPECT_EQ(*parse_time_arg("2025-12-07T11:50:00-00:30", kNow), kNow);
  EXPECT_EQ(*parse_time_arg("2025-12-07", kNow), kNow - (12 * 3600 + 20 * 60) * 1000ull);
  EXPECT_EQ(*parse_rfc3339("1970-01-01T00:00:01Z"), 1000u);
}

TEST(TimeArg, DurationsAreBeforeNow) {
  EXPECT_EQ(*parse_time_arg("10m", kNow), kNow - 600'000);
  EXPECT_EQ(*parse_time_arg("1h30m", kNow), kNow - 5'400'000);
  EXPECT_EQ(*parse_time_arg("0s", kNow), kNow);
  EXPECT_EQ(*parse_time_arg("10m", 5), 0u);  // not before 1970
}

TEST(TimeArg, NonsenseIsAnErrorThatSaysWhatWorks) {
  for (const char* bad : {"", "yesterday", "2025-13-01", "2025-12-07T25:00:00Z", "2025-12-07T12:00:00",
                          "2025-12-07T12:00:00+0100", "1.2.3", "-5m", "2025-12-07Tnoon"}) {
    auto r = parse_time_arg(bad, kNow);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.message().find("RFC 3339"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace shoal
