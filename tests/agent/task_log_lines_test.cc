// `service logs` lines: from records to exchanged lines, merged by time across nodes, printed
// as docker does, and the follow cursor that prints each line once.
#include "agent/task_log_lines.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "runtime/log_record.h"

namespace shoal {
namespace {

constexpr std::uint64_t kT = 1'796'670'000'000'000'000u;

std::string record(std::uint64_t offset_ns, std::string_view content, bool partial = false) {
  std::string out;
  runtime::append_log_record(out, kT + offset_ns, "stdout", partial, content);
  return out;
}

std::string time_at(std::uint64_t offset_ns) { return record(offset_ns, "").substr(0, 30); }

std::string printed(std::string_view merged, bool timestamps) {
  std::string out;
  std::string_view rest = merged;
  for (std::size_t nl; (nl = rest.find('\n')) != std::string_view::npos; rest.remove_prefix(nl + 1))
    if (auto l = parse_task_log_line(rest.substr(0, nl))) append_printed_log_line(out, *l, timestamps);
  return out;
}

TEST(TaskLogLines, RecordsBecomeLinesWithPartsJoinedAndTheWindowKept) {
  const std::string records = "an older agent's line\n" + record(1, "one") + record(2, "lo", true) +
                              record(3, "ng") + record(4, "a | b") + record(5, "");
  std::string all;
  append_task_log_lines(all, records, "web.1.1@n1", "stdout", "", "");
  EXPECT_EQ(printed(all, false),
            "web.1.1@n1 | an older agent's line\nweb.1.1@n1 | one\nweb.1.1@n1 | long\n"
            "web.1.1@n1 | a | b\nweb.1.1@n1 | \n");
  std::string window;
  append_task_log_lines(window, records, "web.1.1@n1", "stdout", time_at(2), time_at(4));
  EXPECT_EQ(printed(window, true), "web.1.1@n1 | " + time_at(2) + " long\nweb.1.1@n1 | " + time_at(4) + " a | b\n");
}

TEST(TaskLogLines, NodesMergeByTimeAndOneTasksLinesKeepTheirOrder) {
  std::string n1, n2;
  append_task_log_lines(n1, record(10, "n1 a") + record(30, "n1 b") + record(30, "n1 c"), "w.1.1@n1", "stdout", "", "");
  append_task_log_lines(n2, record(20, "n2 a") + record(40, "n2 b"), "w.2.1@n2", "stdout", "", "");
  const std::string old_node = "w.3.1@n3 | from a node of the previous version\n";
  const std::string merged = merge_task_log_lines(n2 + old_node + n1);
  EXPECT_EQ(printed(merged, false),
            "w.3.1@n3 | from a node of the previous version\nw.1.1@n1 | n1 a\nw.2.1@n2 | n2 a\n"
            "w.1.1@n1 | n1 b\nw.1.1@n1 | n1 c\nw.2.1@n2 | n2 b\n");
}

TEST(TaskLogLines, OnlyLinesOfTheShapeParse) {
  EXPECT_FALSE(parse_task_log_line(""));
  EXPECT_FALSE(parse_task_log_line("no separator"));
  auto l = parse_task_log_line("- w.1.1@n1 stderr | x");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->time, "");
  EXPECT_EQ(l->source, "w.1.1@n1");
  EXPECT_EQ(l->stream, "stderr");
  auto old = parse_task_log_line("w.1.1@n1 | x | y");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->source, "w.1.1@n1");
  EXPECT_EQ(old->stream, "");
  EXPECT_EQ(old->content, "x | y");
}

// Law: however a node's lines arrive over successive answers (each answer: everything from
// the cursor the follower asked with, inclusive, possibly more lines at the cursor's time and
// new ones), the follower prints every line exactly once, in order.
RC_GTEST_PROP(TaskLogFollowProps, PrintsEachLineOnce, ()) {
  // A node's whole log: lines at non-decreasing times, often several at one time (one read).
  const auto steps = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 2));
  std::vector<std::string> lines;  // exchanged form, in time order
  std::uint64_t t = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    t += static_cast<std::uint64_t>(steps[i]);
    // Few distinct texts: equal lines at one time (one read) must each be printed once.
    append_task_log_lines(lines.emplace_back(), record(t, "line " + std::to_string(i % 2)), "w.1.1@n1", "stdout", "", "");
  }
  TaskLogFollow follow(false);
  std::string out;
  std::size_t written = 0;  // how much of the log exists when the follower asks
  while (written < lines.size()) {
    written = std::min(lines.size(), written + *rc::gen::inRange<std::size_t>(1, 4));
    // The agent answers from the cursor's time on (inclusive), as --node-since asks.
    const std::string since = follow.node_since();
    const std::string cursor = since.empty() ? "" : since.substr(since.find('=') + 1);
    std::string answer;
    for (std::size_t i = 0; i < written; ++i)
      if (cursor.empty() || lines[i].substr(0, 30) >= cursor) answer += lines[i];
    out += follow.take(answer);
  }
  std::string want;
  for (const auto& l : lines) want += printed(l, false);
  RC_ASSERT(out == want);
}

TEST(TaskLogFollow, EachNodeHasItsOwnCursor) {
  TaskLogFollow follow(true);
  std::string n1, n2;
  append_task_log_lines(n1, record(100, "n1"), "w.1.1@n1", "stdout", "", "");
  append_task_log_lines(n2, record(5, "n2, its clock behind"), "w.2.1@n2", "stdout", "", "");
  EXPECT_EQ(follow.take(merge_task_log_lines(n1 + n2)),
            "w.2.1@n2 | " + time_at(5) + " n2, its clock behind\nw.1.1@n1 | " + time_at(100) + " n1\n");
  EXPECT_EQ(follow.node_since(), "n1=" + time_at(100) + ",n2=" + time_at(5));
}

// Two tasks on one node: a line one task's pump stamped before another task's later line can
// reach the file after it. The node is asked from its tasks' oldest cursor, so the late line is
// in the next answer, and each task's own cursor prints it once (a cursor per node lost it).
TEST(TaskLogFollow, ALineWrittenLateByAnotherTaskOfTheNodeIsPrinted) {
  TaskLogFollow follow(false);
  auto line = [](std::uint64_t t, const char* text, const char* source) {
    std::string out;
    append_task_log_lines(out, record(t, text), source, "stdout", "", "");
    return out;
  };
  const std::string a1 = line(2, "a1", "w.1.1@n1"), b1 = line(3, "b1", "w.2.1@n1");
  EXPECT_EQ(follow.take(merge_task_log_lines(a1 + b1)), "w.1.1@n1 | a1\nw.2.1@n1 | b1\n");
  const std::string a2 = line(10, "a2", "w.1.1@n1");
  EXPECT_EQ(follow.take(merge_task_log_lines(a1 + b1 + a2)), "w.1.1@n1 | a2\n");
  EXPECT_EQ(follow.node_since(), "n1=" + time_at(3)) << "w.2's cursor holds the node back";
  const std::string b2 = line(5, "b2, stamped before a2, written after", "w.2.1@n1");
  EXPECT_EQ(follow.take(merge_task_log_lines(b1 + b2 + a2)), "w.2.1@n1 | b2, stamped before a2, written after\n");
  EXPECT_EQ(follow.node_since(), "n1=" + time_at(5));
}

// An idle task holds its node's cursor back at most kFollowHoldBackMs behind the newest line.
TEST(TaskLogFollow, AnIdleTaskHoldsTheNodeBackABoundedTime) {
  TaskLogFollow follow(false);
  std::string lines;
  append_task_log_lines(lines, record(0, "idle"), "w.1.1@n1", "stdout", "", "");
  append_task_log_lines(lines, record(60'000'000'000, "busy"), "w.2.1@n1", "stdout", "", "");
  (void)follow.take(merge_task_log_lines(lines));
  EXPECT_EQ(follow.node_since(), "n1=" + time_at((60'000 - kFollowHoldBackMs) * 1'000'000));
}

}  // namespace
}  // namespace shoal
