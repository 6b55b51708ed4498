#include "runtime/log_rotation.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace shoal::runtime {

namespace {

constexpr std::size_t kCopyBlockBytes = 64u << 10;

Error errno_error(const std::string& what, const std::string& path) {
  return make_error(what + " " + path + ": " + std::strerror(errno));
}

// Copies [from, to) of `in` to the end of `out`, in blocks.
Status copy_range(int in, int out, std::uint64_t from, std::uint64_t to, const std::string& path) {
  std::string block(kCopyBlockBytes, '\0');
  while (from < to) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), to - from));
    ssize_t n = ::pread(in, block.data(), want, static_cast<off_t>(from));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("cannot read log", path);
    if (n == 0) break;  // truncated under us
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out, block.data() + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return errno_error("cannot write log", path + ".1");
      done += w;
    }
    from += static_cast<std::uint64_t>(n);
  }
  return {};
}

// The first line start at or after `offset` (offset itself if it is 0 or follows a '\n').
std::uint64_t line_start_after(int fd, std::uint64_t offset, std::uint64_t size) {
  if (offset == 0) return 0;
  char block[4096];
  std::uint64_t pos = offset - 1;  // the byte before: a '\n' there means offset starts a line
  while (pos < size) {
    ssize_t n = ::pread(fd, block, sizeof block, static_cast<off_t>(pos));
    if (n <= 0) return offset;
    if (const void* nl = std::memchr(block, '\n', static_cast<std::size_t>(n)))
      return pos + static_cast<std::uint64_t>(static_cast<const char*>(nl) - block) + 1;
    pos += static_cast<std::uint64_t>(n);
    if (pos - offset > kCopyBlockBytes) return offset;  // one huge line: cut it, bounded scan
  }
  return offset;
}

}  // namespace

Status validate(const LogLimits& l) {
  if (l.max_bytes < kMinLogMaxBytes) return make_error("log max size must be at least 4KiB");
  if (l.max_files < 1 || l.max_files > kMaxLogFiles) return make_error("log max files must be 1 to 100");
  return {};
}

std::vector<std::string> log_generations(const std::string& path, std::uint32_t max_files) {
  std::vector<std::string> out{path};
  for (std::uint32_t i = 1; i < max_files; ++i) out.push_back(path + "." + std::to_string(i));
  return out;
}

void shift_generations(const std::vector<std::string>& newest_first, std::size_t from) {
  if (newest_first.size() <= from + 1) return;
  ::unlink(newest_first.back().c_str());
  for (std::size_t i = newest_first.size() - 1; i > from; --i)
    ::rename(newest_first[i - 1].c_str(), newest_first[i].c_str());
}

Result<bool> LogRotator::rotate_if_needed(const std::string& path, const LogLimits& limits) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;  // the task has not written yet
    return errno_error("cannot stat log", path);
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size <= limits.max_bytes) return false;
  if (fd_.get() < 0 || st.st_dev != dev_ || st.st_ino != ino_) {
    fd_ = UniqueFd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (fd_.get() < 0) return errno_error("cannot open log", path);
    dev_ = st.st_dev, ino_ = st.st_ino;
  }
  const int in = fd_.get();
  const auto gens = log_generations(path, limits.max_files);
  // Oldest goes, the others move up one: .(n-2) -> .(n-1), ..., .1 -> .2.
  shift_generations(gens, 1);
  Status copied;
  if (gens.size() >= 2) {
    // A new file (the old .1 was unlinked or moved up above), so closing it flushes nothing.
    int out = ::open(gens[1].c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (out < 0) return errno_error("cannot create log", gens[1]);
    // Only the newest max_bytes go to .1: a file that grew far past the cap between two checks
    // still leaves at most max_bytes per generation.
    const std::uint64_t from = line_start_after(in, size - limits.max_bytes, size);
    copied = copy_range(in, out, from, size, path);
    // Catch up with what the task wrote during the copy, then truncate at once; within what is
    // left of .1's max_bytes, so a generation never holds more than the cap.
    struct stat now {};
    const std::uint64_t room = limits.max_bytes - (size - from);
    if (copied && room > 0 && ::fstat(in, &now) == 0 && static_cast<std::uint64_t>(now.st_size) > size)
      copied = copy_range(in, out, size, std::min<std::uint64_t>(static_cast<std::uint64_t>(now.st_size), size + room),
                          path);
    ::close(out);
  }
  if (!copied) return copied.error();
  if (::ftruncate(in, 0) != 0) return errno_error("cannot truncate log", path);
  return true;
}

}  // namespace shoal::runtime
