#include "runtime/fs_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace shoal::runtime {
namespace {

Error errno_error(const std::string& what, const std::string& path, int err) {
  return make_error(what + " " + path + ": " + std::strerror(err));
}

// Closes a descriptor on every path out of a function.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Status write_all(int fd, std::string_view bytes, const std::string& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("cannot write", path, errno);
    done += static_cast<std::size_t>(n);
  }
  return {};
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

std::string join_path(std::string_view a, std::string_view b) {
  std::string out(a);
  if (!out.empty() && out.back() != '/' && !b.empty() && b.front() != '/') out += '/';
  if (!out.empty() && out.back() == '/' && !b.empty() && b.front() == '/') b.remove_prefix(1);
  out += b;
  return out;
}

Status write_file_atomic(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    Fd f(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (f.fd < 0) return errno_error("cannot create", tmp, errno);
    if (auto s = write_all(f.fd, bytes, tmp); !s) {
      ::unlink(tmp.c_str());
      return s;
    }
    if (::fsync(f.fd) != 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      return errno_error("cannot fsync", tmp, err);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return errno_error("cannot rename into", path, err);
  }
  const std::string dir = dir_of(path);
  Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.fd < 0) return errno_error("cannot open dir", dir, errno);
  if (::fsync(d.fd) != 0) return errno_error("cannot fsync dir", dir, errno);
  return {};
}

Status write_control_file(const std::string& path, std::string_view value) {
  Fd f(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (f.fd < 0) return errno_error("cannot open", path, errno);
  ssize_t n;
  do {
    n = ::write(f.fd, value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno_error("cannot write '" + std::string(value) + "' to", path, errno);
  return {};
}

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  Fd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (f.fd < 0) return errno_error("cannot open", path, errno);
  std::string out;
  char buf[4096];
  while (out.size() < max_bytes) {
    ssize_t n = ::read(f.fd, buf, std::min(sizeof buf, max_bytes - out.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("cannot read", path, errno);
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

Status make_dirs(const std::string& path, mode_t mode) {
  if (path.empty()) return make_error("make_dirs: empty path");
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    const std::string part = path.substr(0, pos);
    if (part.empty()) continue;
    if (::mkdir(part.c_str(), mode) != 0 && errno != EEXIST)
      return errno_error("cannot create dir", part, errno);
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return make_error("cannot create dir " + path + ": a file is in the way");
  return {};
}

Result<std::vector<std::string>> list_dir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return errno_error("cannot list", path, errno);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n == "." || n == "..") continue;
    names.emplace_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::vector<std::string>> list_subdirs(const std::string& path) {
  auto names = list_dir(path);
  if (!names) return names;
  std::vector<std::string> dirs;
  for (auto& n : *names) {
    struct stat st {};
    if (::lstat(join_path(path, n).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) dirs.push_back(n);
  }
  return dirs;
}

bool path_exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Result<std::uint64_t> process_start_time(pid_t pid) {
  auto stat = read_file("/proc/" + std::to_string(pid) + "/stat", 4096);
  if (!stat) return stat.error();
  // Field 2 (comm) may hold spaces and parens: parse after the last ')'.
  auto close = stat->rfind(')');
  if (close == std::string::npos) return make_error("malformed /proc/" + std::to_string(pid) + "/stat");
  // After ") " come fields 3.. ; field 22 is the 20th of them.
  std::size_t pos = close + 2;
  for (int field = 3; field < 22; ++field) {
    pos = stat->find(' ', pos);
    if (pos == std::string::npos) return make_error("short /proc/" + std::to_string(pid) + "/stat");
    ++pos;
  }
  return static_cast<std::uint64_t>(std::strtoull(stat->c_str() + pos, nullptr, 10));
}

bool process_alive(pid_t pid, std::uint64_t start_time) {
  if (pid <= 0) return false;
  auto stat = read_file("/proc/" + std::to_string(pid) + "/stat", 4096);
  if (!stat) return false;
  auto close = stat->rfind(')');
  if (close == std::string::npos || close + 2 >= stat->size()) return false;
  if ((*stat)[close + 2] == 'Z' || (*stat)[close + 2] == 'X') return false;  // zombie / dead
  if (start_time == 0) return true;
  auto st = process_start_time(pid);
  return st.ok() && *st == start_time;
}

}  // namespace shoal::runtime
