// The image config blob (OCI image-spec config.md, Docker's image JSON): what a task runs
// (Entrypoint, Cmd, Env, WorkingDir, User, StopSignal, Healthcheck, ExposedPorts), the
// platform, and rootfs.diff_ids (the digests of the uncompressed layers, which key unpacked
// layer directories). Parsed from untrusted bytes with the same bounds as manifests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "image/digest.h"
#include "image/platform.h"

namespace shoal::image {

// Docker's HEALTHCHECK. Durations are nanoseconds in the JSON; kept in ms here (0 = the
// runtime's default, as Docker reads a zero).
struct HealthConfig {
  // ["NONE"] disables a base image's check; ["CMD", args...] execs; ["CMD-SHELL", cmd] runs
  // /bin/sh -c cmd. Anything else is refused at parse time.
  std::vector<std::string> test;
  std::uint64_t interval_ms = 0;
  std::uint64_t timeout_ms = 0;
  std::uint64_t start_period_ms = 0;
  std::uint64_t retries = 0;

  bool disabled() const { return !test.empty() && test.front() == "NONE"; }
};

struct ImageConfig {
  Platform platform;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;             // "KEY=value", in image order
  std::string working_dir;
  std::string user;                         // "uid", "uid:gid", "name", "name:group"
  std::string stop_signal;                  // "SIGTERM", "15", "" (runtime default)
  std::optional<HealthConfig> healthcheck;
  std::vector<std::string> exposed_ports;   // "80/tcp", sorted
  std::vector<Digest> diff_ids;             // bottom layer first; one per manifest layer
};

Result<ImageConfig> parse_image_config(std::string_view body);

}  // namespace shoal::image
