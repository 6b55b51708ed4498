// Size-capped task logs. A task writes its stdout/stderr straight into files (O_APPEND, opened
// by spawn), so the task keeps running while the agent is away; the runtime caps them from
// outside by copy-truncate (LogRotator), as logrotate's copytruncate: when a file passes max_bytes, older
// generations shift (<path>.1 -> <path>.2 ...), the newest max_bytes of the file (from a line
// start) are copied to <path>.1 and the file is truncated to 0; the task's O_APPEND writes go on
// at the new end. Lines written between the copy and the truncate can be lost (a catch-up copy
// keeps that window to microseconds); that is the price of not sitting in the task's output path.
//
// Disk use per stream is at most max_files * max_bytes plus what the task writes between two
// checks (the runtime checks every liveness_check_ms, 100 ms).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace shoal::runtime {

struct LogLimits {
  // Size at which a task's stdout or stderr file is rotated (--log-max-size). 10 MiB holds
  // tens of thousands of lines, enough to debug a crash; as kubelet's containerLogMaxSize.
  std::uint64_t max_bytes = 10u << 20;
  // Files kept per stream, the live one included (--log-max-files; Docker's max-file). 3: the
  // live file and two older ones, so a task costs at most 2 streams * 3 * 10 MiB = 60 MiB of
  // disk, and 50 tasks fit in 3 GiB on an 8 GB edge card. 1 = no history, only the live file.
  std::uint32_t max_files = 3;
};

// Bounds for flags: a cap below 4 KiB rotates on every line; more than 100 files is a mistake.
inline constexpr std::uint64_t kMinLogMaxBytes = 4096;
inline constexpr std::uint32_t kMaxLogFiles = 100;
Status validate(const LogLimits& limits);

// <path>, <path>.1, ... <path>.(max_files-1): newest first.
std::vector<std::string> log_generations(const std::string& path, std::uint32_t max_files);

// Drops the oldest generation and moves each of newest_first[from .. n-2] up one (.k -> .k+1),
// so newest_first[from] is free: LogRotator frees .1 (from 1) to copy into it, the log pump
// moves the live file itself (from 0).
void shift_generations(const std::vector<std::string>& newest_first, std::size_t from);

// Rotates one live log file. It holds the file open (read-write) from its first rotation for
// as long as the task runs. Why: ext4 flushes a file's dirty pages at the next close of any fd
// on it after it was truncated to 0 (auto_da_alloc, meant for "truncate and rewrite"). Opening
// and closing the log at every rotation made each close write out all a chatty task had logged
// since (0.5 s for 200 MB, measured with strace), blocking the agent's event loop while the log
// grew on. One fd, closed only when the task goes, never triggers it.
class LogRotator {
 public:
  // Rotates `path` if it is larger than limits.max_bytes. Returns whether it rotated. A file
  // replaced under the same path (another inode) is reopened.
  Result<bool> rotate_if_needed(const std::string& path, const LogLimits& limits);

 private:
  UniqueFd fd_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace shoal::runtime
