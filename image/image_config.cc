#include "image/image_config.h"

#include <algorithm>

#include "image/json_limits.h"

namespace shoal::image {
namespace {

using nlohmann::json;

constexpr std::uint64_t kNsPerMs = 1'000'000;

Result<HealthConfig> parse_health(const json& obj) {
  HealthConfig h;
  auto test = json_strings(obj, "Test");
  if (!test) return test.error();
  h.test = *test;
  if (!h.test.empty() && h.test[0] != "NONE" && h.test[0] != "CMD" && h.test[0] != "CMD-SHELL") {
    return make_error("Test must start with NONE, CMD or CMD-SHELL, not '" + h.test[0] + "'");
  }
  if (!h.test.empty() && h.test[0] != "NONE" && h.test.size() < 2) {
    return make_error("Test '" + h.test[0] + "' names no command");
  }
  struct Field { const char* name; std::uint64_t* ms; };
  for (const Field f : {Field{"Interval", &h.interval_ms}, Field{"Timeout", &h.timeout_ms},
                        Field{"StartPeriod", &h.start_period_ms}}) {
    auto ns = json_uint(obj, f.name, false);
    if (!ns) return ns.error();
    *f.ms = *ns / kNsPerMs;
  }
  auto retries = json_uint(obj, "Retries", false);
  if (!retries) return retries.error();
  h.retries = *retries;
  return h;
}

Status parse_run_config(const json& c, ImageConfig& out) {
  auto entrypoint = json_strings(c, "Entrypoint");
  if (!entrypoint) return entrypoint.error();
  auto cmd = json_strings(c, "Cmd");
  if (!cmd) return cmd.error();
  auto env = json_strings(c, "Env");
  if (!env) return env.error();
  auto workdir = json_string(c, "WorkingDir", false);
  if (!workdir) return workdir.error();
  auto user = json_string(c, "User", false);
  if (!user) return user.error();
  auto stop = json_string(c, "StopSignal", false);
  if (!stop) return stop.error();
  out.entrypoint = *entrypoint;
  out.cmd = *cmd;
  out.env = *env;
  out.working_dir = *workdir;
  out.user = *user;
  out.stop_signal = *stop;
  for (const auto& e : out.env) {
    if (e.find('=') == std::string::npos) return make_error("Env entry '" + e + "' has no '='");
  }
  auto health = json_object(c, "Healthcheck");
  if (!health) return health.error();
  if (*health) {
    auto h = parse_health(**health);
    if (!h) return make_error("Healthcheck: " + h.message());
    out.healthcheck = *h;
  }
  auto ports = json_object(c, "ExposedPorts");
  if (!ports) return ports.error();
  if (*ports) {
    for (const auto& [port, _] : (*ports)->items()) out.exposed_ports.push_back(port);
    std::sort(out.exposed_ports.begin(), out.exposed_ports.end());
  }
  return {};
}

Status parse_rootfs(const json& doc, ImageConfig& out) {
  auto rootfs = json_object(doc, "rootfs");
  if (!rootfs) return rootfs.error();
  if (!*rootfs) return make_error("'rootfs' is missing");
  auto type = json_string(**rootfs, "type", true);
  if (!type) return make_error("rootfs: " + type.message());
  if (*type != "layers") return make_error("rootfs type '" + *type + "' is not 'layers'");
  auto ids = json_strings(**rootfs, "diff_ids");
  if (!ids) return make_error("rootfs: " + ids.message());
  for (const auto& text : *ids) {
    auto d = Digest::parse(text);
    if (!d) return make_error("rootfs.diff_ids: " + d.message());
    out.diff_ids.push_back(*d);
  }
  return {};
}

}  // namespace

Result<ImageConfig> parse_image_config(std::string_view body) {
  auto doc = parse_bounded_json(body, "image config");
  if (!doc) return doc.error();
  ImageConfig out;
  auto os = json_string(*doc, "os", true);
  if (!os) return make_error("image config: " + os.message());
  auto arch = json_string(*doc, "architecture", true);
  if (!arch) return make_error("image config: " + arch.message());
  auto variant = json_string(*doc, "variant", false);
  if (!variant) return make_error("image config: " + variant.message());
  out.platform = Platform{*os, *arch, *variant};
  auto config = json_object(*doc, "config");
  if (!config) return make_error("image config: " + config.message());
  if (*config) {
    if (auto st = parse_run_config(**config, out); !st) return make_error("image config: " + st.message());
  }
  if (auto st = parse_rootfs(*doc, out); !st) return make_error("image config: " + st.message());
  return out;
}

}  // namespace shoal::image
