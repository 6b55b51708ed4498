// Task log records (CRI format): formatting, parsing, the line framer's laws, and reading a
// time window from rotated generations.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "runtime/log_record.h"
#include "runtime/log_rotation.h"
#include "runtime/log_tail.h"
#include "temp_dir.h"

namespace shoal::runtime {
namespace {

constexpr std::uint64_t kT = 1'796'670'000'123'456'789u;  // 2026-12-07T...

// Splits records into (partial, content) pairs, checking each parses as a record.
std::vector<std::pair<bool, std::string>> records_of(const std::string& text) {
  std::vector<std::pair<bool, std::string>> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    EXPECT_NE(nl, std::string::npos) << "a record ends with a newline";
    LogRecord r = parse_log_record(std::string_view(text).substr(start, nl - start));
    EXPECT_FALSE(r.time.empty());
    EXPECT_EQ(r.stream, "stdout");
    out.emplace_back(r.partial, std::string(r.content));
    start = nl + 1;
  }
  return out;
}

TEST(LogRecord, FormatsAsCriAndParsesBack) {
  std::string out;
  append_log_record(out, kT, "stderr", false, "hello | world");
  EXPECT_EQ(out.substr(30), " stderr F hello | world\n");
  EXPECT_TRUE(is_log_record_time(out.substr(0, 30))) << out;
  EXPECT_EQ(out.substr(19, 11), ".123456789Z");
  LogRecord r = parse_log_record(std::string_view(out).substr(0, out.size() - 1));
  EXPECT_EQ(r.time, out.substr(0, 30));
  EXPECT_EQ(r.stream, "stderr");
  EXPECT_FALSE(r.partial);
  EXPECT_EQ(r.content, "hello | world");
}

TEST(LogRecord, AnEmptyLineIsARecordToo) {
  std::string out;
  append_log_record(out, kT, "stdout", false, "");
  LogRecord r = parse_log_record(std::string_view(out).substr(0, out.size() - 1));
  EXPECT_FALSE(r.time.empty());
  EXPECT_EQ(r.content, "");
}

TEST(LogRecord, LinesOfAnOlderAgentReadAsPlainContent) {
  for (std::string_view line : {"line 7", "", "2026-12-07 not a record", "2026-12-07T19:03:12.123456789Z stdout X y"}) {
    LogRecord r = parse_log_record(line);
    EXPECT_TRUE(r.time.empty()) << line;
    EXPECT_EQ(r.content, line);
  }
}

TEST(LogLineFramer, KeepsAnUnfinishedLineUntilItEnds) {
  LogLineFramer f("stdout");
  std::string out;
  f.feed("one\ntw", kT, out);
  EXPECT_EQ(records_of(out), (std::vector<std::pair<bool, std::string>>{{false, "one"}}));
  EXPECT_EQ(f.pending_bytes(), 2u);
  out.clear();
  f.feed("o\n\nthree", kT + 1, out);
  EXPECT_EQ(records_of(out), (std::vector<std::pair<bool, std::string>>{{false, "two"}, {false, ""}}));
  out.clear();
  f.finish(kT + 2, out);
  EXPECT_EQ(records_of(out), (std::vector<std::pair<bool, std::string>>{{false, "three"}}));
}

TEST(LogLineFramer, CutsALongLineIntoParts) {
  LogLineFramer f("stdout");
  std::string out;
  f.feed(std::string(kMaxLogLineBytes * 2 + 5, 'x') + "\n", kT, out);
  auto recs = records_of(out);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_TRUE(recs[0].first && recs[1].first && !recs[2].first);
  EXPECT_EQ(recs[0].second.size(), kMaxLogLineBytes);
  EXPECT_EQ(recs[2].second, "xxxxx");
}

// Law: for any bytes cut into any chunks, the records' contents (parts joined) are exactly the
// input's lines, no record holds more than kMaxLogLineBytes, and the framer holds less.
RC_GTEST_PROP(LogLineFramerProps, RecordsAreTheLinesWhateverTheChunks, ()) {
  const auto pieces = *rc::gen::container<std::vector<std::string>>(
      rc::gen::oneOf(rc::gen::container<std::string>(rc::gen::element('a', 'b', '\n')),
                     rc::gen::map(rc::gen::inRange<std::size_t>(0, 3 * kMaxLogLineBytes),
                                  [](std::size_t n) { return std::string(n, 'y'); })));
  LogLineFramer f("stdout");
  std::string input, out;
  for (const auto& p : pieces) {
    input += p;
    f.feed(p, kT, out);
    RC_ASSERT(f.pending_bytes() < kMaxLogLineBytes);
  }
  f.finish(kT, out);
  std::string rebuilt;
  for (const auto& [partial, content] : records_of(out)) {
    RC_ASSERT(content.size() <= kMaxLogLineBytes);
    rebuilt += content;
    if (!partial) rebuilt += '\n';
  }
  // A stream that does not end with '\n' gets one at its end (its last line is a full record).
  if (!input.empty() && input.back() != '\n') input += '\n';
  // A line ending exactly at a part boundary ends with an empty full record after its parts.
  RC_ASSERT(rebuilt == input);
}

using testing::TempDir;

TEST(ReadLogSince, ReadsOnlyTheGenerationsThatReachTheTime) {
  TempDir d;
  const std::string log = d.path + "/t.stdout.log";
  const auto gens = log_generations(log, 3);
  // .2: t0..t9, .1: t10..t19, live: t20..t29, one second apart; plus an older agent's line.
  for (int g = 0; g < 3; ++g) {
    std::string text = g == 0 ? "untimed line of an older agent\n" : "";
    for (int i = g * 10; i < g * 10 + 10; ++i)
      append_log_record(text, kT + static_cast<std::uint64_t>(i) * 1'000'000'000u, "stdout", false, "l" + std::to_string(i));
    std::ofstream(gens[2 - static_cast<std::size_t>(g)]) << text;
  }
  std::string since;
  append_log_record(since, kT + 15'000'000'000u, "stdout", false, "");
  auto got = read_log_since(gens, since.substr(0, 30), 1 << 20);
  ASSERT_TRUE(got.ok()) << got.message();
  std::vector<std::string> contents;
  for (const auto& [p, c] : records_of(*got)) contents.push_back(c);
  std::vector<std::string> want;
  for (int i = 15; i < 30; ++i) want.push_back("l" + std::to_string(i));
  EXPECT_EQ(contents, want);
  // Before everything: all timed lines; past everything: none; bounded like read_log_tail.
  EXPECT_EQ(records_of(*read_log_since(gens, "1970-01-01T00:00:00.000000000Z", 1 << 20)).size(), 30u);
  EXPECT_EQ(*read_log_since(gens, "2999-01-01T00:00:00.000000000Z", 1 << 20), "");
  auto too_much = read_log_since(gens, "1970-01-01T00:00:00.000000000Z", 100);
  EXPECT_FALSE(too_much.ok());
  EXPECT_NE(too_much.message().find("--tail"), std::string::npos);
}

}  // namespace
}  // namespace shoal::runtime
