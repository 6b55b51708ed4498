// Task log records, one per line, in the CRI log format (what the kubelet writes):
//
//   2026-12-07T19:03:12.123456789Z stdout F hello
//
// the time the line was read (UTC, nanosecond digits), the stream, F for a full line or P for
// a part of a line longer than kMaxLogLineBytes (the next record of the stream continues it),
// and the bytes without their '\n'. Why this format: log shippers read it as is (fluent-bit's
// `cri` parser, Vector, Promtail), and with a fixed-width UTC time it sorts by time as text, so
// lines from many tasks and nodes merge without parsing dates.
//
// Pure: the framer is given the time; the log pump (log_pump.h) is the shell that reads pipes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::runtime {

// Longer lines are cut into P records of this size, as Docker and containerd cut them (16 KiB):
// one runaway line cannot hold the pump's memory.
inline constexpr std::size_t kMaxLogLineBytes = 16u << 10;

struct LogRecord {
  std::string_view time;    // "" for a line written before records (an older agent's file)
  std::string_view stream;  // "stdout" / "stderr" ("" as above)
  bool partial = false;     // P: continued by the stream's next record
  std::string_view content;
};

// "2026-12-07T19:03:12.123456789Z": a record's time, exactly as records write it.
bool is_log_record_time(std::string_view text);

// Any line parses: one that is not a record is a full record with no time, its whole text the
// content, so files written by an older agent still read.
LogRecord parse_log_record(std::string_view line);

// Appends "<time> <stream> <F|P> <content>\n" to out.
void append_log_record(std::string& out, std::uint64_t unix_ns, std::string_view stream, bool partial,
                       std::string_view content);

// Cuts one stream's bytes into records.
class LogLineFramer {
 public:
  explicit LogLineFramer(std::string stream) : stream_(std::move(stream)) {}

  // Appends to `out` the records that `bytes` completes, stamped unix_ns; keeps an unfinished
  // line (at most kMaxLogLineBytes) for the next call.
  void feed(std::string_view bytes, std::uint64_t unix_ns, std::string& out);
  // End of stream: a last line without '\n' becomes a full record.
  void finish(std::uint64_t unix_ns, std::string& out);

  std::size_t pending_bytes() const { return pending_.size(); }

 private:
  std::string stream_;
  std::string pending_;
};

}  // namespace shoal::runtime
