// Readiness for a service manager: systemd's notify protocol (Type=notify in
// contrib/shoal.service). The agent says READY=1 once it listens, STOPPING=1 when a graceful
// stop begins. Without $NOTIFY_SOCKET (not under systemd) it does nothing.
#pragma once

#include <string_view>

namespace shoal {

// Sends `state` ("READY=1", "STOPPING=1", "STATUS=...") as one datagram to $NOTIFY_SOCKET.
// The protocol is systemd's documented, stable interface (sd_notify(3) "Notes"), written here
// rather than linking libsystemd so the static release binary keeps it (Debian ships no
// libsystemd.a). Failures are logged once, never fatal: readiness is advice.
void notify_service_manager(std::string_view state);

}  // namespace shoal
