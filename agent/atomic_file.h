// Crash-safe file replacement: write to a temp file in the same directory, fsync it, rename it
// over the target, fsync the directory. After a crash (kill -9, power loss) the target holds
// either the old or the new contents, never a mix.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace shoal {

Status write_file_atomically(const std::string& path, std::string_view contents, unsigned mode = 0600);
Result<std::string> read_file(const std::string& path);
Status make_dirs(const std::string& path, unsigned mode = 0700);

}  // namespace shoal
