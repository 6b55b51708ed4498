// `shoal agent --config FILE [--check-config] [FLAGS]`: the shell side of agent/config_file.h.
// Reads FILE (bounded before the YAML parser sees it) and returns the flags to parse: the file's,
// overridden by the command line's.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace shoal {

struct AgentArgs {
  std::vector<std::string> flags;  // for parse_agent_args
  bool check_only = false;         // --check-config: validate, print, exit; start nothing
};

Result<AgentArgs> agent_args_with_config(const std::vector<std::string>& argv);

}  // namespace shoal
