#include "runtime/log_tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "runtime/log_record.h"

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

namespace {

// Calls on_line for each line of the file at `path` (without its '\n'); false on a read error.
template <typename OnLine>
Status for_each_line(const std::string& path, OnLine&& on_line) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? Status{} : make_error("cannot open log " + path + ": " + std::strerror(errno));
  std::string block(kBlockBytes, '\0'), carry;
  for (;;) {
    ssize_t got = ::read(fd, block.data(), block.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      ::close(fd);
      return make_error("cannot read log " + path + ": " + std::strerror(errno));
    }
    if (got == 0) break;
    std::string_view data(block.data(), static_cast<std::size_t>(got));
    for (std::size_t nl; (nl = data.find('\n')) != std::string_view::npos; data.remove_prefix(nl + 1)) {
      if (carry.empty()) {
        if (!on_line(data.substr(0, nl))) return ::close(fd), Status{};
      } else {
        carry.append(data.substr(0, nl));
        if (!on_line(std::string_view(carry))) return ::close(fd), Status{};
        carry.clear();
      }
    }
    // A line longer than a record can be (an old file) is cut rather than held whole.
    if (carry.size() + data.size() <= 2 * kMaxLogLineBytes) carry.append(data);
  }
  ::close(fd);
  if (!carry.empty()) on_line(std::string_view(carry));
  return {};
}

// The time of the file's first record ("" if it has none or does not exist).
std::string first_time(const std::string& path) {
  std::string time;
  (void)for_each_line(path, [&](std::string_view line) {
    time = std::string(parse_log_record(line).time);
    return false;
  });
  return time;
}

}  // namespace

Result<std::string> read_log_since(const std::vector<std::string>& newest_first, std::string_view since,
                                   std::size_t max_bytes) {
  if (newest_first.empty()) return std::string();
  // The newest generation that starts before `since` is the oldest one to read (each older
  // one ends before it starts); if none does, all of them are read.
  std::size_t start = newest_first.size() - 1;
  for (std::size_t i = 0; i < newest_first.size(); ++i) {
    const std::string t = first_time(newest_first[i]);
    if (!t.empty() && t < since) {
      start = i;
      break;
    }
  }
  std::string out;
  bool too_long = false;
  for (std::size_t i = start + 1; i-- > 0;) {
    auto s = for_each_line(newest_first[i], [&](std::string_view line) {
      const LogRecord r = parse_log_record(line);
      if (r.time.empty() || r.time < since) return true;
      if (out.size() + line.size() + 1 > max_bytes) return !(too_long = true);
      out.append(line).push_back('\n');
      return true;
    });
    if (!s) return s.error();
    if (too_long)
      return make_error("more than " + std::to_string(max_bytes >> 10) + " KiB of log lines; ask for fewer with --tail N");
  }
  return out;
}

}  // namespace shoal::runtime
