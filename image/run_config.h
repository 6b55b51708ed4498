// What a task of an image runs: the image config (Entrypoint, Cmd, Env, WorkingDir, User,
// Healthcheck) merged with the service's overrides the way Docker merges them, so a Swarm
// user's `service create IMAGE [COMMAND [ARG...]] --entrypoint/--env/--workdir/--user` means
// here what it means there. Pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "image/image_config.h"

namespace shoal::image {

// The service's side (crdt::TaskSpec's image fields, copied so image/ stays below crdt/).
struct RunOverrides {
  std::vector<std::string> entrypoint;  // replaces the image's Entrypoint, and drops its Cmd
  std::vector<std::string> cmd;         // COMMAND ARG...: replaces the image's Cmd
  std::map<std::string, std::string> env;  // added over the image's Env, by name
  std::string workdir;
  std::string user;
};

struct RunConfig {
  std::vector<std::string> argv;  // never empty
  std::vector<std::string> env;   // "KEY=VALUE", image order, overrides replacing in place
  std::string workdir;            // absolute; "/" when neither side sets one
  std::string user;               // "" = root (uid 0), as Docker
  std::string stop_signal;        // the image's; "" = the runtime's default
  std::optional<HealthConfig> healthcheck;  // the image's, unless it is disabled ("NONE")
};

// Docker's rule: an --entrypoint override drops the image's Cmd (`docker run --entrypoint`);
// COMMAND replaces the Cmd; an image with neither Entrypoint nor Cmd and no COMMAND has
// nothing to run, which is an error naming the image.
Result<RunConfig> run_config(const ImageConfig& image, const RunOverrides& overrides, const std::string& image_name);

}  // namespace shoal::image
