// The few file operations image/ needs, with errors that name the path. image/ sits below
// runtime/ (which uses it), so it cannot borrow runtime/fs_util; these are its own.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace shoal::image {

// Crash-safe replace: temp file in the same directory, fsync, rename over `path`, fsync the
// directory. A reader (or a restart after power loss) sees the old bytes or the new, never a
// mix.
Status write_file_atomic(const std::string& path, std::string_view bytes, mode_t mode = 0644);
// Whole file, refused if larger than max_bytes (a bound on anything a peer or archive wrote).
Result<std::string> read_file_bounded(const std::string& path, std::size_t max_bytes);
Status make_dirs(const std::string& path, mode_t mode = 0755);
Status fsync_dir(const std::string& dir);
// rm -rf without following symlinks (unpacked layers hold arbitrary symlinks).
Status remove_tree(const std::string& path);
std::string errno_text(const std::string& what, const std::string& path);

}  // namespace shoal::image
