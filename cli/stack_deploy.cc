#include "cli/stack_deploy.h"

#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "image/file_io.h"
#include "stack/compose.h"

extern char** environ;

namespace shoal {

namespace {

// .env beside the file first, the environment over it (compose's order).
stack::Variables variables_for(const std::string& file) {
  stack::Variables vars;
  const auto dot_env = std::filesystem::path(file).parent_path() / ".env";
  if (auto text = image::read_file_bounded(dot_env.string(), stack::kMaxComposeFileBytes); text) vars = stack::parse_env_file(*text);
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    if (auto eq = kv.find('='); eq != std::string::npos && eq > 0) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return vars;
}

Status usage(const std::string& why) {
  return make_error("stack deploy: " + why +
                    "\n(usage: shoal stack deploy -c FILE [--prune] [--resolve-image always|never] NAME)");
}

}  // namespace

Result<std::vector<std::string>> stack_deploy_request(const std::vector<std::string>& argv) {
  std::string file, name;
  std::vector<std::string> request{"stack", "deploy"};
  for (std::size_t i = 2; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-c" || a == "--compose-file") {
      if (i + 1 >= argv.size()) return usage(a + " needs a FILE").error();
      if (!file.empty()) return usage("give one compose file (-c once)").error();
      file = argv[++i];
    } else if (a == "--prune") {
      request.push_back(a);
    } else if (a == "--resolve-image") {
      if (i + 1 >= argv.size()) return usage("--resolve-image needs always or never").error();
      request.insert(request.end(), {a, argv[++i]});
    } else if (!a.empty() && a[0] == '-') {
      return usage("unknown flag '" + a + "'").error();
    } else if (name.empty()) {
      name = a;
    } else {
      return usage("give one stack NAME").error();
    }
  }
  if (file.empty()) return usage("give the compose file: -c FILE").error();
  if (name.empty()) return usage("give the stack NAME").error();
  auto text = image::read_file_bounded(file, stack::kMaxComposeFileBytes);
  if (!text) return usage(text.message()).error();
  auto compose = stack::parse_compose(*text, name, variables_for(file), file);
  if (!compose) return usage(compose.message()).error();
  if (!compose->ignored.empty()) {
    std::string list;
    for (const auto& key : compose->ignored) list += (list.empty() ? "" : ", ") + key;
    std::fprintf(stderr, "Ignoring unsupported options: %s\n", list.c_str());
  }
  request.insert(request.end(), {name, "--"});
  for (const auto& svc : compose->services) request.push_back(nlohmann::json(svc.args).dump());
  return request;
}

}  // namespace shoal
