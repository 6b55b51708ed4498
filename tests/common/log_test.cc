// The agent's log lines: text for people, JSON for shippers, one event per line either way.
#include "common/log.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <nlohmann/json.hpp>

#include "common/rfc3339.h"

namespace shoal {
namespace {

constexpr std::uint64_t kAt = 1'796'649'120'123;  // 2026-12-07T13:12:00.123Z

TEST(Log, TextKeepsTheShoalPrefixAndNamesNonInfoLevels) {
  const LogSettings text;
  EXPECT_EQ(format_log_line(text, LogLevel::kInfo, kAt, "agent n1 listening"), "shoal: agent n1 listening\n");
  EXPECT_EQ(format_log_line(text, LogLevel::kWarn, kAt, "cannot persist"), "shoal: warning: cannot persist\n");
  EXPECT_EQ(format_log_line(text, LogLevel::kError, kAt, "x"), "shoal: error: x\n");
  EXPECT_EQ(format_log_line(text, LogLevel::kDebug, kAt, "x"), "shoal: debug: x\n");
  EXPECT_EQ(format_log_line(text, LogLevel::kInfo, kAt, "a\nb\r"), "shoal: a b \n");  // one event, one line
}

TEST(Log, JsonHasTimeLevelNodeAndMessage) {
  const LogSettings json{LogFormat::kJson, LogLevel::kInfo, "n1"};
  const std::string line = format_log_line(json, LogLevel::kWarn, kAt, "peer said \"no\"\ntwice");
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["time"], rfc3339(kAt));
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["node"], "n1");
  EXPECT_EQ(j["msg"], "peer said \"no\"\ntwice");
}

TEST(Log, NamesRoundTripAndBadNamesAreRefused) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError})
    EXPECT_EQ(parse_log_level(log_level_name(l)), l);
  EXPECT_EQ(parse_log_level("warning"), std::nullopt);
  EXPECT_EQ(parse_log_format("json"), LogFormat::kJson);
  EXPECT_EQ(parse_log_format("yaml"), std::nullopt);
}

TEST(Rfc3339, UtcWithNanosecondDigits) {
  EXPECT_EQ(rfc3339(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(rfc3339(kAt), "2026-12-07T13:12:00.123000000Z");
}

// Law: whatever the message (any bytes), a JSON line is one line that parses back to it.
RC_GTEST_PROP(Log, AnyMessageIsOneJsonLine, (const std::string& message)) {
  const LogSettings json{LogFormat::kJson, LogLevel::kDebug, "n"};
  const std::string line = format_log_line(json, LogLevel::kInfo, kAt, message);
  RC_ASSERT(line.find('\n') == line.size() - 1);
  auto j = nlohmann::json::parse(line, nullptr, false);
  RC_ASSERT(!j.is_discarded());
}

}  // namespace
}  // namespace shoal
