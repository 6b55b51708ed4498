#include "cli/agent_config_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "agent/config_file.h"

namespace shoal {

namespace {

Result<std::string> read_bounded(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("--config " + path + ": " + std::strerror(errno));
  std::string text(kMaxConfigFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return make_error("--config " + path + ": read failed");
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;  // config_to_args refuses it when over the bound
}

}  // namespace

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
  auto text = read_bounded(config);
  if (!text) return text.error();
  auto from_file = config_to_args(*text, config);
  if (!from_file) return from_file.error();
  out.flags = merge_config_args(*from_file, flags);
  return out;
}

}  // namespace shoal
