#include "runtime/log_tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace shoal::runtime {

namespace {

constexpr std::size_t kBlockBytes = 64u << 10;

struct TailScan {
  std::size_t wanted;           // lines asked for (0 = all)
  std::size_t newlines = 0;     // line ends seen so far, from the end
  bool first_byte = true;       // the stream's very last byte (a final '\n' ends no line we skip)
  bool done = false;
};

// Scans `block` backwards; returns the offset where the kept part starts (0 = all of it).
std::size_t scan_block(const std::string& block, TailScan& scan) {
  for (std::size_t i = block.size(); i > 0; --i) {
    const bool last = scan.first_byte;
    scan.first_byte = false;
    if (block[i - 1] != '\n' || last || scan.wanted == 0) continue;
    if (++scan.newlines == scan.wanted) {
      scan.done = true;
      return i;
    }
  }
  return 0;
}

}  // namespace

Result<std::string> read_log_tail(const std::vector<std::string>& newest_first, std::size_t lines,
                                  std::size_t max_bytes) {
  TailScan scan{lines};
  std::vector<std::string> pieces;  // newest first
  std::size_t total = 0;
  auto too_long = [&] {
    return make_error("more than " + std::to_string(max_bytes >> 10) +
                      " KiB of log lines; ask for fewer with --tail N");
  };
  for (const std::string& path : newest_first) {
    if (scan.done) break;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) continue;
      return make_error("cannot open log " + path + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return make_error("cannot stat log " + path + ": " + std::strerror(errno));
    }
    auto pos = static_cast<std::uint64_t>(st.st_size);
    while (pos > 0 && !scan.done) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kBlockBytes, pos));
      pos -= n;
      std::string block(n, '\0');
      ssize_t got = ::pread(fd, block.data(), n, static_cast<off_t>(pos));
      if (got < 0 && errno == EINTR) {
        pos += n;
        continue;
      }
      if (got < 0) {
        ::close(fd);
        return make_error("cannot read log " + path + ": " + std::strerror(errno));
      }
      block.resize(static_cast<std::size_t>(got));  // short read: the file was truncated meanwhile
      const std::size_t keep_from = scan_block(block, scan);
      total += block.size() - keep_from;
      if (total > max_bytes) {
        ::close(fd);
        return too_long();
      }
      pieces.push_back(block.substr(keep_from));
    }
    ::close(fd);
  }
  std::string out;
  out.reserve(total);
  for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) out += *it;
  return out;
}

}  // namespace shoal::runtime
