// The agent's events on disk (<data-dir>/events): the event log (node/event_log.h) survives a
// restart, so `shoal events --since 1h` answers for the hour before it too. One event per line,
// "<xxh3 of the JSON, 16 hex> <JSON>", appended as events happen; a line that is torn (a crash
// mid-append), fails its checksum or is out of seq order is skipped and counted. When the file
// holds twice the log's capacity it is rewritten atomically from the log, so it stays bounded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "common/unique_fd.h"
#include "node/event_log.h"

namespace shoal {

// A line longer than this is not one of ours: skipped before it is parsed.
inline constexpr std::size_t kMaxEventLineBytes = 64 * 1024;

std::string encode_event_line(const node::ClusterEvent& e);  // with its '\n'
Result<node::ClusterEvent> decode_event_line(std::string_view line);  // without the '\n'
// The JSON object of an event (also what `shoal events --format json` prints), as an object
// (the web view embeds it) and as its text.
nlohmann::json event_object(const node::ClusterEvent& e);
std::string event_json(const node::ClusterEvent& e);

class EventFile {
 public:
  explicit EventFile(std::string path) : path_(std::move(path)) {}

  // Reads the file into `log` (an empty log). A missing file is an empty history.
  Status load(node::EventLog& log);
  // Appends `e`; compacts from `log` when the file has grown past twice its capacity.
  Status append(const node::ClusterEvent& e, const node::EventLog& log);

  std::uint64_t bad_lines() const { return bad_lines_; }

 private:
  Status compact(const node::EventLog& log);

  std::string path_;
  // Held open between appends (a node joining a large cluster records thousands of events at
  // once); closed when compaction replaces the file, reopened at the next append.
  UniqueFd fd_;
  std::uint64_t lines_ = 0;  // in the file now
  std::uint64_t bad_lines_ = 0;
};

}  // namespace shoal
