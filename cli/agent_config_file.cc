#include "cli/agent_config_file.h"

#include "agent/config_file.h"
#include "image/file_io.h"

namespace shoal {

Result<AgentArgs> agent_args_with_config(const std::vector<std::string>& argv) {
  AgentArgs out;
  std::string config;
  std::vector<std::string> flags;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "--check-config") {
      out.check_only = true;
    } else if (argv[i] == "--config") {
      if (i + 1 >= argv.size()) return make_error("--config needs a FILE (YAML, e.g. /etc/shoal/agent.yaml)");
      if (!config.empty()) return make_error("give --config once");
      config = argv[++i];
    } else {
      flags.push_back(argv[i]);
    }
  }
  if (config.empty()) {
    out.flags = std::move(flags);
    return out;
  }
  // Bounded before yaml-cpp sees a byte (config_to_args checks the same bound for its callers).
  auto text = image::read_file_bounded(config, kMaxConfigFileBytes);
  if (!text) return make_error("--config: " + text.message());
  auto from_file = config_to_args(*text, config);
  if (!from_file) return from_file.error();
  out.flags = merge_config_args(*from_file, flags);
  return out;
}

}  // namespace shoal
