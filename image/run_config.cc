#include "image/run_config.h"

namespace shoal::image {
namespace {

std::vector<std::string> merged_argv(const ImageConfig& image, const RunOverrides& o) {
  std::vector<std::string> argv;
  if (!o.entrypoint.empty()) {
    argv = o.entrypoint;
    argv.insert(argv.end(), o.cmd.begin(), o.cmd.end());  // the image's Cmd is dropped
    return argv;
  }
  argv = image.entrypoint;
  const auto& cmd = o.cmd.empty() ? image.cmd : o.cmd;
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  return argv;
}

std::vector<std::string> merged_env(const std::vector<std::string>& image_env,
                                    const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> env;
  std::map<std::string, bool> used;
  for (const auto& kv : image_env) {
    const std::string name = kv.substr(0, kv.find('='));
    auto it = overrides.find(name);
    if (it == overrides.end()) {
      env.push_back(kv);
    } else if (!used[name]) {
      env.push_back(name + "=" + it->second);
      used[name] = true;
    }
  }
  for (const auto& [name, value] : overrides)
    if (!used[name]) env.push_back(name + "=" + value);
  return env;
}

}  // namespace

Result<RunConfig> run_config(const ImageConfig& image, const RunOverrides& o, const std::string& image_name) {
  RunConfig out;
  out.argv = merged_argv(image, o);
  if (out.argv.empty())
    return make_error("image " + image_name + " has no Entrypoint or Cmd: give the COMMAND to run after the image");
  out.env = merged_env(image.env, o.env);
  out.workdir = !o.workdir.empty() ? o.workdir : image.working_dir;
  if (out.workdir.empty()) out.workdir = "/";
  if (out.workdir.front() != '/') return make_error("working directory '" + out.workdir + "' is not absolute");
  out.user = !o.user.empty() ? o.user : image.user;
  out.stop_signal = image.stop_signal;
  if (image.healthcheck && !image.healthcheck->disabled() && !image.healthcheck->test.empty())
    out.healthcheck = image.healthcheck;
  return out;
}

}  // namespace shoal::image
