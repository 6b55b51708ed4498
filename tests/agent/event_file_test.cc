// The events file (agent/event_file.h): lines that round-trip, damage that is skipped and
// counted, a bound kept by compaction.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "agent/event_file.h"

namespace shoal {
namespace {

node::ClusterEvent sample(std::uint64_t seq) {
  node::ClusterEvent e = node::make_event(node::EventType::kTask, "failed", "web.1");
  e.seq = seq;
  e.time_ms = 1000 + seq;
  e.attributes = {{"node", "n1"}, {"error", "exit 1: \"quoted\"\nnewline"}};
  return e;
}

std::string temp_dir() {
  char tmpl[] = "/tmp/shoal-events-XXXXXX";
  return ::mkdtemp(tmpl);
}

TEST(EventFile, LinesRoundTrip) {
  std::string line = encode_event_line(sample(3));
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // one line, whatever the attributes hold
  auto back = decode_event_line(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(back) << back.message();
  EXPECT_EQ(*back, sample(3));
}

TEST(EventFile, DamagedLinesAreRefused) {
  std::string line = encode_event_line(sample(3));
  line.pop_back();
  std::string flipped = line;
  flipped[30] ^= 1;
  EXPECT_FALSE(decode_event_line(flipped));
  EXPECT_FALSE(decode_event_line(line.substr(0, line.size() / 2)));
  EXPECT_FALSE(decode_event_line("0123456789abcdef {}"));
  EXPECT_FALSE(decode_event_line(std::string(kMaxEventLineBytes + 1, 'x')));
}

TEST(EventFile, RestartKeepsHistoryAndSkipsATornLine) {
  std::string dir = temp_dir(), path = dir + "/events";
  {
    node::EventLog log;
    EventFile file(path);
    ASSERT_TRUE(file.load(log));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(file.append(log.append(sample(0), 1000 + i), log));
  }
  std::ofstream(path, std::ios::app) << "0123456789abcdef {\"seq\": 9";  // a crash mid-append
  node::EventLog log;
  EventFile file(path);
  ASSERT_TRUE(file.load(log));
  EXPECT_EQ(log.events().size(), 3u);
  EXPECT_EQ(file.bad_lines(), 1u);
  EXPECT_EQ(log.append(sample(0), 2000).seq, 4u);  // seq goes on after the restored history
  std::filesystem::remove_all(dir);
}

TEST(EventFile, CompactionKeepsTheFileBounded) {
  std::string dir = temp_dir(), path = dir + "/events";
  node::EventLog log(10);
  EventFile file(path);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(file.append(log.append(sample(0), 1000 + i), log));
  node::EventLog reread(10);
  EventFile again(path);
  ASSERT_TRUE(again.load(reread));
  EXPECT_EQ(again.bad_lines(), 0u);
  EXPECT_EQ(reread.events().back().seq, 100u);
  EXPECT_LE(std::filesystem::file_size(path), 20 * encode_event_line(sample(100)).size());
  std::filesystem::remove_all(dir);
}

// Untrusted bytes (a damaged disk): never a crash, never an event that was not written.
RC_GTEST_PROP(EventFile, GarbageNeverDecodes, (const std::string& junk)) {
  auto r = decode_event_line(junk);
  if (r) RC_ASSERT(encode_event_line(*r) == junk + "\n");
}

}  // namespace
}  // namespace shoal
