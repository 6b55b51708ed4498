// The agent's file I/O: crash-safe replacement (temp file, fsync, rename, fsync of the
// directory: after kill -9 or power loss the file holds the old or the new contents, never a
// mix), whole-file reads, mkdir -p. Thin names over runtime/fs_util.h, which implements them
// once for both.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace shoal {

// Largest file the agent reads whole: the state file of a large cluster (1M task statuses is
// ~100 MiB of msgpack) fits with room to spare.
inline constexpr std::size_t kMaxAgentFileBytes = std::size_t{1} << 30;

Status write_file_atomically(const std::string& path, std::string_view contents);  // mode 0600
Result<std::string> read_file(const std::string& path);
Status make_dirs(const std::string& path, unsigned mode = 0700);

}  // namespace shoal
