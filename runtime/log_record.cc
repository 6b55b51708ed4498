#include "runtime/log_record.h"

#include "common/result.h"
#include "common/rfc3339.h"

namespace shoal::runtime {

namespace {

constexpr std::size_t kTimeChars = 30;  // "2026-12-07T19:03:12.123456789Z"

}  // namespace

bool is_log_record_time(std::string_view t) {
  return t.size() == kTimeChars && t[4] == '-' && t[7] == '-' && t[10] == 'T' && t[13] == ':' && t[16] == ':' &&
         t[19] == '.' && t[29] == 'Z';
}

LogRecord parse_log_record(std::string_view line) {
  LogRecord plain{{}, {}, false, line};
  // <time> SP <stream> SP <tag> SP <content>; the content may be empty (an empty line).
  const std::size_t s1 = line.find(' ');
  if (s1 != kTimeChars || !is_log_record_time(line.substr(0, s1))) return plain;
  const std::size_t s2 = line.find(' ', s1 + 1);
  if (s2 == std::string_view::npos || s2 + 2 > line.size()) return plain;
  const std::string_view stream = line.substr(s1 + 1, s2 - s1 - 1);
  const char tag = line[s2 + 1];
  if (stream.empty() || (tag != 'F' && tag != 'P')) return plain;
  if (s2 + 2 < line.size() && line[s2 + 2] != ' ') return plain;
  const std::size_t body = std::min(line.size(), s2 + 3);
  return {line.substr(0, s1), stream, tag == 'P', line.substr(body)};
}

namespace {

// With the time already formatted: one read's lines share one time, formatted once (formatting
// it per line made the pump 11x slower than `cat`).
void append_record(std::string& out, std::string_view time, std::string_view stream, bool partial,
                   std::string_view content) {
  out.append(time).push_back(' ');
  out.append(stream);
  out.append(partial ? " P " : " F ");
  out.append(content);
  out.push_back('\n');
}

}  // namespace

void append_log_record(std::string& out, std::uint64_t unix_ns, std::string_view stream, bool partial,
                       std::string_view content) {
  append_record(out, rfc3339_ns(unix_ns), stream, partial, content);
}

void LogLineFramer::feed(std::string_view bytes, std::uint64_t unix_ns, std::string& out) {
  const std::string time = rfc3339_ns(unix_ns);
  while (!bytes.empty()) {
    const std::size_t nl = bytes.find('\n');
    const std::size_t room = kMaxLogLineBytes - pending_.size();
    if (nl != std::string_view::npos && nl <= room) {
      // The line ends within the limit: one full record.
      if (pending_.empty()) {
        append_record(out, time, stream_, false, bytes.substr(0, nl));  // the common case: no copy
      } else {
        pending_.append(bytes.substr(0, nl));
        append_record(out, time, stream_, false, pending_);
        pending_.clear();
      }
      bytes.remove_prefix(nl + 1);
      continue;
    }
    const std::size_t take = std::min(room, bytes.size());
    pending_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (pending_.size() == kMaxLogLineBytes) {
      // A line this long goes out in parts, so the pump holds at most one part per stream.
      append_record(out, time, stream_, true, pending_);
      pending_.clear();
    }
  }
  SHOAL_ASSERT(pending_.size() < kMaxLogLineBytes);
}

void LogLineFramer::finish(std::uint64_t unix_ns, std::string& out) {
  if (pending_.empty()) return;
  append_log_record(out, unix_ns, stream_, false, pending_);
  pending_.clear();
}

}  // namespace shoal::runtime
