// What to run for one task: the command (or OCI rootfs), its resource limits, its health check
// and its restart policy. The agent builds a TaskSpec from a service's desired state; the
// runtime never reads the CRDT. A spec is a value: copy it, compare it, validate it once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shoal::runtime {

// Which driver runs the task.
enum class DriverKind : std::uint8_t {
  kProcess = 0,  // fork/exec of `command` on the host filesystem, in fresh namespaces
  kOci = 1,      // `command` inside `rootfs`, through runc/crun with a generated config.json
};

struct HealthCheckSpec {
  enum class Kind : std::uint8_t { kNone = 0, kExec = 1, kTcp = 2 };
  Kind kind = Kind::kNone;
  std::vector<std::string> command;  // kExec: argv, exit 0 = healthy (run in the task's namespaces)
  std::uint16_t tcp_port = 0;        // kTcp: connect to 127.0.0.1:port in the task's network
  // Docker's defaults are 30 s / 30 s / 3 / 0; shoal is tuned for fast rollouts on small
  // services (the e2e target is 3 healthy replicas in <= 1 s), so the interval is shorter.
  std::int64_t interval_ms = 1000;      // between the end of one probe and the start of the next
  std::int64_t timeout_ms = 1000;       // a probe that has not answered by then is a failure
  std::uint32_t retries = 3;            // consecutive failures (after start period) => unhealthy
  std::int64_t start_period_ms = 0;     // failures in this window after start do not count

  bool operator==(const HealthCheckSpec&) const = default;
};

struct RestartPolicySpec {
  enum class Condition : std::uint8_t { kNone = 0, kOnFailure = 1, kAny = 2 };
  // Swarm's default is `any`: a service task that exits is restarted whatever its exit code.
  Condition condition = Condition::kAny;
  // Swarm's default delay is 5 s; shoal backs off exponentially from a smaller first delay so a
  // one-off crash is retried quickly while a crash loop settles at max_delay_ms.
  std::int64_t delay_ms = 100;
  std::int64_t max_delay_ms = 10'000;   // cap of delay_ms * 2^(attempt-1) (k8s caps at 5 min)
  std::uint32_t max_attempts = 0;       // 0 = unlimited (Swarm's default)
  // Swarm's --restart-window: max_attempts counts only the restarts of the last window_ms, so
  // a task that crashes now and then keeps being restarted while a crash loop is stopped.
  // 0 = every restart since the last reset counts (Swarm's default: unbounded window).
  std::int64_t window_ms = 0;
  // A run that lasted this long resets the attempt count and the backoff (k8s: 10 min; shorter
  // here so a task that crashes once an hour is not throttled like a crash loop).
  std::int64_t reset_after_ms = 60'000;

  bool operator==(const RestartPolicySpec&) const = default;
};

struct TaskSpec {
  std::string id;        // unique on the node, e.g. "web.2.7" (service.slot.version)
  std::string service;   // "web"
  std::uint32_t slot = 0;
  DriverKind driver = DriverKind::kProcess;
  std::vector<std::string> command;  // argv; command[0] is a path or a name looked up in PATH
  std::vector<std::string> env;      // "KEY=VALUE"; the task sees only these (plus PATH if unset)
  std::string rootfs;                // kOci: rootfs directory (absolute)
  std::string working_dir;           // empty: "/" (kOci) or the log dir (kProcess)
  std::uint32_t uid = 0;             // kOci: the container process's user (an image's User)
  std::uint32_t gid = 0;
  std::int64_t cpu_millis = 0;       // 1000 = one core; 0 = unlimited
  std::int64_t memory_bytes = 0;     // hard limit, exceeding it OOM-kills the task; 0 = unlimited
  std::int64_t pids_max = 0;         // 0 = unlimited
  // Network namespace hook for the dataplane: "" = the host's network, "new" = a fresh, empty
  // namespace (loopback only), otherwise the path of one to join (e.g. /run/netns/shoal-web.2).
  std::string network_namespace;
  // A file bind-mounted over /etc/resolv.conf in the task's mount namespace (the dataplane's
  // DNS responder); "" = the host's. Needs namespaces (ignored when running without them, so a
  // task can never change the host's file) and a host /etc/resolv.conf to mount over.
  std::string resolv_conf;
  HealthCheckSpec health;
  RestartPolicySpec restart;
  std::string log_dir;               // empty: RuntimeConfig::log_dir

  bool operator==(const TaskSpec&) const = default;
};

// Task ids become file and cgroup names: 1..128 bytes of [A-Za-z0-9._-], not "." or "..".
Status validate_task_id(std::string_view id);

// Checks everything a driver relies on, with a message naming the field and what to do.
Status validate(const TaskSpec& spec);

const char* driver_name(DriverKind kind);
const char* condition_name(RestartPolicySpec::Condition condition);

}  // namespace shoal::runtime
