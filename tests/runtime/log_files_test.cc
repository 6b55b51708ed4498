// Task log rotation and the bounded tail read, on real files in a temp dir.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "runtime/fs_util.h"
#include "runtime/log_rotation.h"
#include "runtime/log_tail.h"
#include "temp_dir.h"

namespace shoal::runtime {
namespace {

using testing::TempDir;

void append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app) << text;
}

std::uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

std::string lines(int from, int to) {
  std::string out;
  for (int i = from; i < to; ++i) out += "line " + std::to_string(i) + "\n";
  return out;
}

TEST(LogRotation, RotatesPastTheCapAndKeepsMaxFiles) {
  TempDir d;
  const std::string log = d.path + "/t.stdout.log";
  LogLimits limits{4096, 3};
  std::uint64_t written = 0;
  LogRotator rotator;
  for (int round = 0; round < 20; ++round) {
    const std::string chunk = lines(round * 1000, round * 1000 + 1000);  // ~10 KiB
    append(log, chunk);
    written += chunk.size();
    ASSERT_TRUE(rotator.rotate_if_needed(log, limits).ok());
    std::uint64_t total = 0;
    for (const auto& g : log_generations(log, 10)) total += file_size(g);
    EXPECT_LE(total, limits.max_files * limits.max_bytes) << "round " << round;
  }
  EXPECT_GT(written, 40u * limits.max_bytes);  // ~200 KiB through a 12 KiB cap
  EXPECT_FALSE(path_exists(log + ".3"));  // max_files counts the live file
  // The newest generation starts at a line start and ends with the newest line written.
  auto newest = read_file(log + ".1");
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(newest->rfind("line ", 0), 0u);
  EXPECT_EQ(newest->substr(newest->size() - 11), "line 19999\n");
  EXPECT_EQ(file_size(log), 0u);
}

TEST(LogRotation, SmallFileIsLeftAlone) {
  TempDir d;
  const std::string log = d.path + "/t.log";
  append(log, "hello\n");
  LogRotator rotator;
  auto r = rotator.rotate_if_needed(log, LogLimits{});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_FALSE(*rotator.rotate_if_needed(d.path + "/missing.log", LogLimits{}));
}

// A log replaced under its path (removed by hand, the task restarted) is the new file that
// rotates, not the one held open before.
TEST(LogRotation, AReplacedFileIsReopened) {
  TempDir d;
  const std::string log = d.path + "/t.stdout.log";
  LogLimits limits{4096, 2};
  LogRotator rotator;
  append(log, lines(0, 1000));
  ASSERT_TRUE(*rotator.rotate_if_needed(log, limits));
  ::unlink(log.c_str());
  append(log, lines(5000, 6000));
  ASSERT_TRUE(*rotator.rotate_if_needed(log, limits));
  EXPECT_EQ(file_size(log), 0u);
  auto newest = read_file(log + ".1");
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(newest->substr(newest->size() - 10), "line 5999\n");
}

TEST(LogRotation, LimitsAreValidated) {
  EXPECT_TRUE(validate(LogLimits{}).ok());
  EXPECT_FALSE(validate(LogLimits{100, 3}).ok());
  EXPECT_FALSE(validate(LogLimits{1 << 20, 0}).ok());
  EXPECT_FALSE(validate(LogLimits{1 << 20, 1000}).ok());
}

TEST(LogTail, LastLinesAcrossGenerations) {
  TempDir d;
  const std::string log = d.path + "/t.log";
  append(log + ".1", lines(0, 100));
  append(log, lines(100, 103));
  auto gens = log_generations(log, 3);
  EXPECT_EQ(*read_log_tail(gens, 2, 1 << 20), lines(101, 103));
  EXPECT_EQ(*read_log_tail(gens, 5, 1 << 20), lines(98, 103));
  EXPECT_EQ(*read_log_tail(gens, 0, 1 << 20), lines(0, 103));
  EXPECT_EQ(*read_log_tail(gens, 1000, 1 << 20), lines(0, 103));
}

TEST(LogTail, TooLongIsAnErrorNotACut) {
  TempDir d;
  const std::string log = d.path + "/t.log";
  append(log, lines(0, 10000));
  auto all = read_log_tail({log}, 0, 1024);
  ASSERT_FALSE(all.ok());
  EXPECT_NE(all.message().find("--tail"), std::string::npos) << all.message();
  EXPECT_EQ(*read_log_tail({log}, 3, 1024), lines(9997, 10000));
}

// Law: for any content split over generations and any N, the tail is the last N lines of the
// whole stream, whatever the block boundaries.
RC_GTEST_PROP(LogTailProps, MatchesTheLastLinesOfTheWholeStream, ()) {
  TempDir d;
  const std::string log = d.path + "/t.log";
  const auto n_lines = *rc::gen::inRange(0, 3000);
  std::vector<std::string> all;
  for (int i = 0; i < n_lines; ++i)
    all.push_back(std::string(static_cast<std::size_t>(*rc::gen::inRange(0, 200)), 'a' + static_cast<char>(i % 26)));
  const bool final_newline = *rc::gen::arbitrary<bool>();
  // Without a final newline an empty last line is no line at all: keep the last one non-empty.
  if (!final_newline && !all.empty() && all.back().empty()) all.back() = "z";
  std::string stream;
  for (std::size_t i = 0; i < all.size(); ++i) stream += all[i] + (i + 1 < all.size() || final_newline ? "\n" : "");
  const auto cut = *rc::gen::inRange<std::size_t>(0, stream.size() + 1);
  append(log + ".1", stream.substr(0, cut));
  append(log, stream.substr(cut));
  const auto want = *rc::gen::inRange<std::size_t>(1, 4000);
  auto got = read_log_tail(log_generations(log, 2), want, 64u << 20);
  RC_ASSERT(got.ok());
  std::size_t start = all.size() > want ? all.size() - want : 0;
  std::string expected;
  for (std::size_t i = start; i < all.size(); ++i) expected += all[i] + (i + 1 < all.size() || final_newline ? "\n" : "");
  if (all.empty()) expected.clear();
  RC_ASSERT(*got == expected);
}

}  // namespace
}  // namespace shoal::runtime
