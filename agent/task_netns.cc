#include "agent/task_netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace shoal {

namespace {

std::string errno_text(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

}  // namespace

Status create_netns(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) return make_error(errno_text(("cannot create " + path).c_str(), errno));
  ::close(fd);
  std::string error;
  // A thread of its own: the agent's other threads (and this one's caller) keep the host's
  // network namespace.
  std::thread worker([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      error = errno_text("unshare(CLONE_NEWNET)", errno);
      return;
    }
    if (::mount("/proc/thread-self/ns/net", path.c_str(), nullptr, MS_BIND, nullptr) != 0)
      error = errno_text(("bind-mount the namespace on " + path).c_str(), errno);
  });
  worker.join();
  if (!error.empty()) {
    ::unlink(path.c_str());
    return make_error(error);
  }
  return {};
}

Status delete_netns(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    return make_error(errno_text(("cannot unmount " + path).c_str(), errno));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return make_error(errno_text(("cannot remove " + path).c_str(), errno));
  return {};
}

}  // namespace shoal
