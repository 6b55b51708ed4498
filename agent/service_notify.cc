#include "agent/service_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/log.h"
#include "common/unique_fd.h"

namespace shoal {

void notify_service_manager(std::string_view state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::size_t len = std::strlen(path);
  // A path ('/...') or an abstract name ('@...', whose first byte becomes NUL on the wire).
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof(addr.sun_path)) {
    log_warning("NOTIFY_SOCKET '" + std::string(path) + "' is not a socket path; readiness not sent");
    return;
  }
  std::memcpy(addr.sun_path, path, len);
  if (path[0] == '@') addr.sun_path[0] = '\0';
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  const auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  if (fd.get() < 0 ||
      ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), addr_len) < 0)
    log_warning("cannot notify the service manager at " + std::string(path) + ": " + std::strerror(errno));
}

}  // namespace shoal
