// Reading the end of a task's log in bounded memory: the files are read backwards in blocks
// from the end (the live file, then its older generations), and reading stops once enough
// lines are found. Never reads a whole file to keep its last lines.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shoal::runtime {

// The last `lines` lines (0 = all) of the stream stored in `newest_first` (a file and its
// rotated generations, log_generations()), oldest line first. Missing files are skipped.
// Error, with what to do, if the answer would be longer than max_bytes.
Result<std::string> read_log_tail(const std::vector<std::string>& newest_first, std::size_t lines,
                                  std::size_t max_bytes);

// The records of the stream stored in `newest_first` whose time is at or after `since` (an
// RFC 3339 UTC time with nine digits, log_record.h; records sort by time as text), oldest
// first. Only the generations that can hold such records are read, forward, in blocks; lines
// without a time (written by an older agent) are left out. Error as read_log_tail past max_bytes.
Result<std::string> read_log_since(const std::vector<std::string>& newest_first, std::string_view since,
                                   std::size_t max_bytes);

}  // namespace shoal::runtime
