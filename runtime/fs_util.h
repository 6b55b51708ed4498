// Small, checked wrappers over the file syscalls the runtime needs (state dir, cgroupfs, /proc).
// Every failure is a Result with the path and strerror, so a user sees what to fix.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shoal::runtime {

// Crash-safe replace: write a temp file in the same dir, fsync it, rename over `path`, fsync
// the dir. A reader sees the old content or the new one, never a torn file.
Status write_file_atomic(const std::string& path, std::string_view bytes);

// Plain write of a whole value (cgroup control files: one write() per value, no O_CREAT).
Status write_control_file(const std::string& path, std::string_view value);

// Reads at most max_bytes (a bound on untrusted or unbounded files).
Result<std::string> read_file(const std::string& path, std::size_t max_bytes = 1 << 20);

// mkdir -p with `mode` for the dirs it creates.
Status make_dirs(const std::string& path, mode_t mode = 0755);

// Names in a directory (no "." and ".."), sorted so callers iterate deterministically.
Result<std::vector<std::string>> list_dir(const std::string& path);
// Same, only subdirectories.
Result<std::vector<std::string>> list_subdirs(const std::string& path);

bool path_exists(const std::string& path);

// Start time of a process in clock ticks since boot (/proc/PID/stat field 22). With the pid it
// names one process for the life of the system: a recycled pid has a different start time.
Result<std::uint64_t> process_start_time(pid_t pid);

// true if `pid` exists, is not a zombie, and started at `start_time` (0: any start time).
bool process_alive(pid_t pid, std::uint64_t start_time);

std::string join_path(std::string_view a, std::string_view b);

}  // namespace shoal::runtime
