#include "runtime/task_spec.h"

namespace shoal::runtime {
namespace {

constexpr std::size_t kMaxTaskIdBytes = 128;
constexpr std::size_t kMaxArgs = 4096;  // far above any real command line; bounds the spec

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

Status validate_health(const HealthCheckSpec& h) {
  using Kind = HealthCheckSpec::Kind;
  if (h.kind == Kind::kNone) return {};
  if (h.kind == Kind::kExec && h.command.empty())
    return make_error("health check: exec check needs a command");
  if (h.kind == Kind::kTcp && h.tcp_port == 0) return make_error("health check: tcp port must be 1..65535");
  if (h.interval_ms <= 0) return make_error("health check: interval must be > 0 ms");
  if (h.timeout_ms <= 0) return make_error("health check: timeout must be > 0 ms");
  if (h.retries == 0) return make_error("health check: retries must be >= 1");
  if (h.start_period_ms < 0) return make_error("health check: start period must be >= 0 ms");
  return {};
}

Status validate_restart(const RestartPolicySpec& r) {
  if (r.delay_ms < 0) return make_error("restart policy: delay must be >= 0 ms");
  if (r.max_delay_ms < r.delay_ms) return make_error("restart policy: max delay must be >= delay");
  if (r.reset_after_ms < 0) return make_error("restart policy: reset-after must be >= 0 ms");
  if (r.window_ms < 0) return make_error("restart policy: window must be >= 0 ms");
  return {};
}

Status validate_strings(const std::vector<std::string>& items, const char* what) {
  if (items.size() > kMaxArgs) return make_error(std::string(what) + ": more than 4096 entries");
  for (const auto& s : items)
    if (s.find('\0') != std::string::npos) return make_error(std::string(what) + ": contains a NUL byte");
  return {};
}

}  // namespace

Status validate_task_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxTaskIdBytes)
    return make_error("task id must be 1..128 bytes, got " + std::to_string(id.size()));
  if (id == "." || id == "..") return make_error("task id must not be '.' or '..'");
  for (char c : id)
    if (!is_id_char(c))
      return make_error("task id '" + std::string(id) + "' has a character outside [A-Za-z0-9._-]");
  return {};
}

Status validate(const TaskSpec& spec) {
  if (auto s = validate_task_id(spec.id); !s) return s;
  if (spec.command.empty()) return make_error("task " + spec.id + ": command is empty");
  if (auto s = validate_strings(spec.command, "command"); !s) return s;
  if (auto s = validate_strings(spec.env, "env"); !s) return s;
  for (const auto& e : spec.env)
    if (e.find('=') == std::string::npos || e.front() == '=')
      return make_error("task " + spec.id + ": env entry '" + e + "' is not KEY=VALUE");
  if (spec.driver == DriverKind::kOci && (spec.rootfs.empty() || spec.rootfs.front() != '/'))
    return make_error("task " + spec.id + ": oci driver needs an absolute rootfs path");
  if (spec.cpu_millis < 0) return make_error("task " + spec.id + ": cpu must be >= 0 millicores");
  // Below ~1 MiB the kernel cannot even load a shell; refuse rather than OOM at exec.
  if (spec.memory_bytes < 0 || (spec.memory_bytes > 0 && spec.memory_bytes < (1 << 20)))
    return make_error("task " + spec.id + ": memory limit must be 0 (unlimited) or >= 1MiB");
  if (spec.pids_max < 0) return make_error("task " + spec.id + ": pids limit must be >= 0");
  if (auto s = validate_health(spec.health); !s) return make_error("task " + spec.id + ": " + s.message());
  if (auto s = validate_restart(spec.restart); !s) return make_error("task " + spec.id + ": " + s.message());
  return {};
}

const char* driver_name(DriverKind kind) {
  switch (kind) {
    case DriverKind::kProcess: return "process";
    case DriverKind::kOci: return "oci";
  }
  return "unknown";
}

const char* condition_name(RestartPolicySpec::Condition condition) {
  switch (condition) {
    case RestartPolicySpec::Condition::kNone: return "none";
    case RestartPolicySpec::Condition::kOnFailure: return "on-failure";
    case RestartPolicySpec::Condition::kAny: return "any";
  }
  return "unknown";
}

}  // namespace shoal::runtime
