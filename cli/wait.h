// `shoal service create|scale|update|rollback` wait until the service converges (unless
// --detach), drawing progress: docker-style bars on a terminal, plain lines otherwise. Exit
// non-zero when the update pauses or rolls back, with the reason.
#pragma once

#include <string>
#include <vector>

namespace shoal {

// True if argv is a service write that waits by default.
bool cli_waits(const std::vector<std::string>& argv);

// Sends the write, then polls `service progress NAME` until converged. Returns the exit code.
int wait_until_converged(const std::string& api, const std::vector<std::string>& argv);

}  // namespace shoal
