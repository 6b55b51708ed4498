#include "agent/atomic_file.h"

#include "runtime/fs_util.h"

namespace shoal {

Status write_file_atomically(const std::string& path, std::string_view contents) {
  return runtime::write_file_atomic(path, contents);
}

Result<std::string> read_file(const std::string& path) { return runtime::read_file(path, kMaxAgentFileBytes); }

Status make_dirs(const std::string& path, unsigned mode) { return runtime::make_dirs(path, static_cast<mode_t>(mode)); }

}  // namespace shoal
