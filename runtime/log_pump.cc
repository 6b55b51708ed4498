#include "runtime/log_pump.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <optional>

#include "runtime/log_record.h"

namespace shoal::runtime {

namespace {

constexpr std::size_t kReadBytes = 64u << 10;

std::uint64_t now_unix_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

// One stream's log file, rotated by rename between records when the next write would pass
// the cap. Write errors (a full disk) drop the records: the task must never block on its logs.
class RotatingLog {
 public:
  RotatingLog(std::string path, LogLimits limits) : path_(std::move(path)), limits_(limits) { reopen(); }
  ~RotatingLog() {
    if (fd_ >= 0) ::close(fd_);
  }
  RotatingLog(const RotatingLog&) = delete;
  RotatingLog& operator=(const RotatingLog&) = delete;

  // `records` holds whole records; each goes whole into one generation.
  void write(std::string_view records) {
    if (fd_ >= 0) {
      // Someone else (an agent's LogRotator, a person) may have truncated or moved the file.
      struct stat st {};
      if (::fstat(fd_, &st) == 0) size_ = static_cast<std::uint64_t>(st.st_size);
    }
    while (!records.empty()) {
      if (size_ > 0 && size_ + record_end(records, 0) > limits_.max_bytes) rotate();
      // The first record always goes (into an empty file if it is longer than the cap, which
      // only a cap below kMaxLogLineBytes allows), then as many more as fit.
      std::size_t take = record_end(records, 0);
      while (take < records.size() && size_ + record_end(records, take) <= limits_.max_bytes)
        take = record_end(records, take);
      append(records.substr(0, take));
      records.remove_prefix(take);
    }
  }

 private:
  static std::size_t record_end(std::string_view records, std::size_t from) {
    std::size_t end = records.find('\n', from);
    return end == std::string_view::npos ? records.size() : end + 1;
  }

  void reopen() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    struct stat st {};
    size_ = fd_ >= 0 && ::fstat(fd_, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  }

  void rotate() {
    const auto gens = log_generations(path_, limits_.max_files);
    if (gens.size() < 2) {
      // No history kept: start the one file again.
      if (fd_ >= 0) (void)::ftruncate(fd_, 0);
      size_ = 0;  // even if the truncate failed: write on rather than rotate forever
      return;
    }
    shift_generations(gens, 0);
    reopen();
    if (fd_ < 0) size_ = 0;
  }

  void append(std::string_view bytes) {
    size_ += bytes.size();
    while (fd_ >= 0 && !bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // dropped (ENOSPC, EIO): see the class comment
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  std::string path_;
  LogLimits limits_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

struct Stream {
  int fd;
  LogLineFramer framer;
  RotatingLog log;
};

std::optional<std::uint64_t> number(const std::string& s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Reads what is there; false at end-of-file or on an error that will not pass.
bool pump_once(Stream& s, std::string& buf, std::string& records) {
  ssize_t n = ::read(s.fd, buf.data(), buf.size());
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  records.clear();
  if (n <= 0) {
    s.framer.finish(now_unix_ns(), records);
    s.log.write(records);
    return false;
  }
  s.framer.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)), now_unix_ns(), records);
  s.log.write(records);
  return true;
}

}  // namespace

std::vector<std::string> log_pump_args(const LogLimits& limits, const std::string& stdout_path,
                                       const std::string& stderr_path) {
  return {"--max-bytes", std::to_string(limits.max_bytes), "--max-files", std::to_string(limits.max_files),
          stdout_path, stderr_path};
}

int run_log_pump(const std::vector<std::string>& args) {
  if (args.size() != 6 || args[0] != "--max-bytes" || args[2] != "--max-files") {
    std::fprintf(stderr, "usage: shoal log-pump --max-bytes N --max-files M STDOUT_FILE STDERR_FILE\n"
                         "(run by the agent for each task, reading fds %d and %d)\n",
                 kLogPumpStdoutFd, kLogPumpStderrFd);
    return 2;
  }
  auto max_bytes = number(args[1]);
  auto max_files = number(args[3]);
  LogLimits limits;
  if (max_bytes) limits.max_bytes = *max_bytes;
  if (max_files && *max_files <= kMaxLogFiles) limits.max_files = static_cast<std::uint32_t>(*max_files);
  if (!max_bytes || !max_files || *max_files > kMaxLogFiles || !validate(limits)) {
    std::fprintf(stderr, "shoal log-pump: bad limits %s %s\n", args[1].c_str(), args[3].c_str());
    return 2;
  }
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) ::signal(sig, SIG_IGN);
  // exec'd through /proc/self/exe, its name would be "exe".
  ::prctl(PR_SET_NAME, "shoal-log-pump", 0, 0, 0);
  Stream streams[2] = {{kLogPumpStdoutFd, LogLineFramer("stdout"), RotatingLog(args[4], limits)},
                       {kLogPumpStderrFd, LogLineFramer("stderr"), RotatingLog(args[5], limits)}};
  std::string buf(kReadBytes, '\0'), records;
  bool open[2] = {true, true};
  while (open[0] || open[1]) {
    pollfd fds[2];
    for (int i = 0; i < 2; ++i) fds[i] = {open[i] ? streams[i].fd : -1, POLLIN, 0};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    for (int i = 0; i < 2; ++i)
      if (open[i] && fds[i].revents != 0) open[i] = pump_once(streams[i], buf, records);
  }
  return 0;
}

}  // namespace shoal::runtime
