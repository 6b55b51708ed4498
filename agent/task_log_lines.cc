#include "agent/task_log_lines.h"

#include <algorithm>
#include <vector>

#include "common/rfc3339.h"
#include "common/time_arg.h"
#include "runtime/log_record.h"

namespace shoal {

namespace {

constexpr std::string_view kSeparator = " | ";
constexpr std::string_view kNoTime = "-";

bool in_window(std::string_view time, std::string_view since, std::string_view until) {
  if (since.empty() && until.empty()) return true;
  if (time.empty()) return false;
  return (since.empty() || time >= since) && (until.empty() || time <= until);
}

void append_line(std::string& out, std::string_view time, std::string_view source, std::string_view stream,
                 std::string_view content) {
  out.append(time.empty() ? kNoTime : time).push_back(' ');
  out.append(source).push_back(' ');
  out.append(stream).append(kSeparator).append(content).push_back('\n');
}

template <typename OnLine>
void for_each_line(std::string_view text, OnLine&& on_line) {
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    on_line(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace

Result<std::string> log_time_bound(std::string_view text, std::uint64_t now_ms) {
  auto ms = parse_time_arg(text, now_ms);
  if (!ms) return ms.error();
  return rfc3339(*ms);
}

std::optional<TaskLogLine> parse_task_log_line(std::string_view line) {
  const std::size_t bar = line.find(kSeparator);
  if (bar == std::string_view::npos) return std::nullopt;
  std::string_view head = line.substr(0, bar);
  TaskLogLine out{{}, head, {}, line.substr(bar + kSeparator.size())};
  const std::size_t space = head.find(' ');
  if (space != std::string_view::npos) {
    // "<time> <source> <stream>"; a source has no spaces, so an older node's line (only the
    // source) never has one here.
    const std::string_view time = head.substr(0, space);
    out.time = time == kNoTime ? std::string_view() : time;
    out.source = head.substr(space + 1);
    if (const std::size_t s2 = out.source.find(' '); s2 != std::string_view::npos) {
      out.stream = out.source.substr(s2 + 1);
      out.source = out.source.substr(0, s2);
    }
  }
  if (out.source.empty()) return std::nullopt;
  return out;
}

void append_task_log_lines(std::string& out, std::string_view records, std::string_view source,
                           std::string_view stream, std::string_view since, std::string_view until) {
  std::string joined;  // a long line's parts so far
  std::string_view joined_time;
  for_each_line(records, [&](std::string_view raw) {
    const runtime::LogRecord r = runtime::parse_log_record(raw);
    if (r.partial) {
      if (joined.empty()) joined_time = r.time;
      joined.append(r.content);
      return;
    }
    if (!joined.empty()) {
      joined.append(r.content);
      if (in_window(joined_time, since, until)) append_line(out, joined_time, source, stream, joined);
      joined.clear();
      return;
    }
    if (in_window(r.time, since, until)) append_line(out, r.time, source, stream, r.content);
  });
  // A long line still being written: show what there is.
  if (!joined.empty() && in_window(joined_time, since, until)) append_line(out, joined_time, source, stream, joined);
}

std::string merge_task_log_lines(std::string_view lines) {
  std::vector<std::pair<std::string_view, std::string_view>> parsed;  // time, whole line
  for_each_line(lines, [&](std::string_view line) {
    if (auto l = parse_task_log_line(line)) parsed.emplace_back(l->time, line);
  });
  std::stable_sort(parsed.begin(), parsed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  out.reserve(lines.size());
  for (const auto& [time, line] : parsed) out.append(line).push_back('\n');
  return out;
}

void append_printed_log_line(std::string& out, const TaskLogLine& line, bool timestamps) {
  out.append(line.source).append(kSeparator);
  if (timestamps && !line.time.empty()) out.append(line.time).push_back(' ');
  out.append(line.content).push_back('\n');
}

std::string TaskLogFollow::take_new(std::string_view merged) {
  std::string out;
  // This answer's lines at each node's cursor time: a line is new if the answer holds more
  // copies of it than were printed (two equal lines of one read share one time).
  std::map<std::string, std::vector<std::string>, std::less<>> seen_at_time;
  for_each_line(merged, [&](std::string_view raw) {
    auto line = parse_task_log_line(raw);
    if (!line) return;
    if (line->time.empty()) {  // an older agent's line: only in a first answer
      out.append(raw).push_back('\n');
      return;
    }
    const std::string source(line->source);
    Cursor& c = tasks_[source];
    auto& seen = seen_at_time[source];
    if (line->time < c.time) return;  // printed before (asked for again only by time)
    if (line->time > c.time) {
      c.time = std::string(line->time);
      c.at_time.clear();
      seen.clear();
    }
    seen.emplace_back(raw);
    if (std::count(seen.begin(), seen.end(), seen.back()) <= std::count(c.at_time.begin(), c.at_time.end(), seen.back()))
      return;
    c.at_time.emplace_back(raw);
    out.append(raw).push_back('\n');
  });
  return out;
}

std::string TaskLogFollow::take(std::string_view merged) {
  std::string out;
  const std::string fresh = take_new(merged);
  for_each_line(fresh, [&](std::string_view raw) {
    if (auto line = parse_task_log_line(raw)) append_printed_log_line(out, *line, timestamps_);
  });
  return out;
}

std::map<std::string, std::string> TaskLogFollow::node_cursors() const {
  std::map<std::string, std::pair<std::string, std::string>> span;  // node -> oldest, newest task cursor
  for (const auto& [source, c] : tasks_) {
    if (c.time.empty()) continue;
    auto [it, fresh] = span.try_emplace(source.substr(source.rfind('@') + 1), c.time, c.time);
    it->second.first = std::min(it->second.first, c.time);
    it->second.second = std::max(it->second.second, c.time);
  }
  std::map<std::string, std::string> out;
  for (const auto& [node, times] : span) {
    std::string from = times.first;
    // Record times are RFC 3339 with 9 digits, so they compare as text.
    if (auto newest_ms = parse_rfc3339(times.second); newest_ms && *newest_ms > kFollowHoldBackMs)
      from = std::max(from, rfc3339_ns((*newest_ms - kFollowHoldBackMs) * 1'000'000));
    out[node] = from;
  }
  return out;
}

std::string TaskLogFollow::node_since() const {
  std::string out;
  for (const auto& [node, time] : node_cursors()) {
    if (!out.empty()) out.push_back(',');
    out.append(node).push_back('=');
    out.append(time);
  }
  return out;
}

}  // namespace shoal
