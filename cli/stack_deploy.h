// `shoal stack deploy -c FILE [--prune] [--resolve-image always|never] NAME`: the CLI reads the
// compose file (and a .env beside it) with the user's environment for interpolation, as the
// docker CLI does, and translates it (stack/compose.h) into the agent's request: one `service
// create` flag list per service. Unsupported keys are listed on stderr.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace shoal {

// The agent request for `argv` (`stack deploy ...`), or a usage error to print (exit 2).
Result<std::vector<std::string>> stack_deploy_request(const std::vector<std::string>& argv);

}  // namespace shoal
