// `service logs` lines as nodes exchange them and as the CLI prints them. Each node turns its
// tasks' log records (runtime/log_record.h) into lines
//
//   <time> <task>@<node> <stream> | <content>
//
// with <time> the record's (RFC 3339, nine digits, UTC) or "-" for a line written before
// records existed, and <stream> stdout or stderr; the node that gathers them merges all nodes' lines by time and prints
// "<task>@<node> | [<time> ]<content>", as `docker service logs [--timestamps]` does. Pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shoal {

struct TaskLogLine {
  std::string_view time;    // "" when unknown
  std::string_view source;  // "<task>@<node>"
  std::string_view stream;  // "stdout", "stderr"; "" from a node of the previous version
  std::string_view content;
};

// A `--since`/`--until` as docker takes it (common/time_arg.h) as a record's time, to compare
// with records' times as text; the error says which spellings are accepted.
Result<std::string> log_time_bound(std::string_view text, std::uint64_t now_ms);

// A line as above; also an older node's "<task>@<node> | <content>" (time ""). nullopt for
// anything else (an empty line).
std::optional<TaskLogLine> parse_task_log_line(std::string_view line);

// Appends the lines of one log file's `records` (the stream `stream`, oldest first) to `out`:
// a long line's parts (P records) joined again, only times in [since, until] kept ("" = open
// end; with a bound set, lines without a time are left out).
void append_task_log_lines(std::string& out, std::string_view records, std::string_view source,
                           std::string_view stream, std::string_view since, std::string_view until);

// `lines` (any number of nodes' answers, concatenated) merged by time, oldest first; lines of
// equal time keep their order, so one task's lines never swap. Returns the exchanged form.
std::string merge_task_log_lines(std::string_view lines);

// One exchanged line as printed to the user.
void append_printed_log_line(std::string& out, const TaskLogLine& line, bool timestamps);

// `service logs --follow` on the CLI's side: each answer (merged exchanged lines) gives the
// lines not printed yet, and the next request asks each node for what it wrote from a time by
// that node's own clock (--node-since), so nodes whose clocks disagree lose nothing. Each task
// keeps its own cursor: one task's pump can stamp a line and write it after another task on the
// same node wrote a later one, so a node is asked from its tasks' oldest cursor (held back at
// most kFollowHoldBackMs behind its newest, so an idle task does not make every answer resend
// all since its last line). A request is inclusive of that time; lines already printed are
// recognised by their task's cursor and skipped.
inline constexpr std::uint64_t kFollowHoldBackMs = 5000;

class TaskLogFollow {
 public:
  explicit TaskLogFollow(bool timestamps) : timestamps_(timestamps) {}

  // What to print of this answer.
  std::string take(std::string_view merged);
  // The same lines in the exchanged form (for the Docker API's stream).
  std::string take_new(std::string_view merged);
  // Where to ask each node from next (see above).
  std::map<std::string, std::string> node_cursors() const;
  // The same as "n1=TIME,n2=TIME" for --node-since; "" until a line with a time was printed.
  std::string node_since() const;

 private:
  struct Cursor {
    std::string time;                 // latest time printed from the task
    std::vector<std::string> at_time;  // the lines printed with exactly that time
  };
  bool timestamps_;
  std::map<std::string, Cursor, std::less<>> tasks_;  // by source, "task@node"
};

}  // namespace shoal
