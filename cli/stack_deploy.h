// `shoal stack deploy -c FILE [--prune] [--resolve-image always|never] NAME`: the CLI reads the
// compose file (and a .env beside it) with the user's environment for interpolation, as the
// docker CLI does, translates it (stack/compose.h) and sends the agent one `service create`
// flag list per service.
#pragma once

#include <string>
#include <vector>

namespace shoal {

int stack_deploy(const std::string& api, const std::vector<std::string>& argv);

}  // namespace shoal
