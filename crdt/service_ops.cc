#include "crdt/service_ops.h"

#include "crdt/service_merge.h"

#include <cmath>
#include <utility>

#include "common/units.h"

namespace shoal::crdt {
namespace {

Status check_string(const char* what, const std::string& s) {
  if (s.size() > kMaxSpecStringBytes) {
    return make_error(std::string(what) + " is longer than " +
                      std::to_string(kMaxSpecStringBytes) + " bytes");
  }
  return {};
}

Status check_count(const char* what, std::size_t n) {
  if (n > kMaxSpecListItems) {
    return make_error(std::string("more than ") + std::to_string(kMaxSpecListItems) + " " + what);
  }
  return {};
}

Status validate_update(const char* what, const UpdateConfig& u) {
  if (!(u.max_failure_ratio >= 0.0 && u.max_failure_ratio <= 1.0)) {
    return make_error(std::string(what) + " max failure ratio must be between 0 and 1");
  }
  return {};
}

// Which of the three task forms (process, rootfs, image) a spec is, and that it is only one.
Status validate_task_form(const TaskSpec& t) {
  if (!t.image.empty()) {
    if (t.driver != Driver::kOci || !t.rootfs.empty())
      return make_error("an image service runs through the OCI driver and has no --rootfs");
    if (t.command.empty() && !t.args.empty()) return make_error("arguments without a command");
    return {};
  }
  if (!t.entrypoint.empty() || !t.workdir.empty() || !t.user.empty())
    return make_error("--entrypoint, --workdir and --user need an image");
  if (t.command.empty()) return make_error("a service needs a command to run");
  if (t.driver == Driver::kOci && t.rootfs.empty()) return make_error("an OCI service needs a rootfs or an image");
  return {};
}

Status validate_task(const TaskSpec& t) {
  if (auto s = validate_task_form(t); !s) return s;
  for (auto [what, text] : {std::pair{"command", &t.command}, {"rootfs", &t.rootfs}, {"image", &t.image},
                            {"workdir", &t.workdir}, {"user", &t.user}}) {
    if (auto s = check_string(what, *text); !s) return s;
  }
  if (auto s = check_count("entrypoint words", t.entrypoint.size()); !s) return s;
  for (const auto& a : t.entrypoint) {
    if (auto s = check_string("an entrypoint word", a); !s) return s;
  }
  if (auto s = check_count("args", t.args.size()); !s) return s;
  if (auto s = check_count("env variables", t.env.size()); !s) return s;
  for (const auto& a : t.args) {
    if (auto s = check_string("an argument", a); !s) return s;
  }
  for (const auto& [k, v] : t.env) {
    if (k.empty() || k.find('=') != std::string::npos) {
      return make_error("env name '" + k + "' must be non-empty and contain no '='");
    }
    if (auto s = check_string("an env value", v); !s) return s;
  }
  return {};
}

Status validate_placement(const ServiceSpec& spec) {
  if (auto s = check_count("constraints", spec.constraints.size()); !s) return s;
  for (const auto& c : spec.constraints) {
    if (c.label.empty()) return make_error("a constraint needs a label name");
    if (auto s = check_string("a constraint", c.label + c.value); !s) return s;
  }
  return check_string("spread label", spec.spread_label);
}

Status validate_labels(const ServiceSpec& spec) {
  if (auto s = check_count("labels", spec.labels.size()); !s) return s;
  for (const auto& [k, v] : spec.labels) {
    if (k.empty() || k.find('=') != std::string::npos) {
      return make_error("label name '" + k + "' must be non-empty and contain no '='");
    }
    if (auto s = check_string("a label", k + v); !s) return s;
  }
  return {};
}

Status validate_ports(const ServiceSpec& spec) {
  if (auto s = check_count("published ports", spec.ports.size()); !s) return s;
  for (const auto& p : spec.ports) {
    if (p.published == 0 || p.target == 0) {
      return make_error("published ports must be 1..65535");
    }
  }
  return {};
}

// Durations come from parse_duration_ms (capped) on the command line, but a remote delta is only
// bounded by its encoding: the same cap keeps `now + duration` from overflowing where the
// agent converts them to signed milliseconds (agent/workload.cc).
Status validate_durations(const ServiceSpec& spec) {
  const std::pair<const char*, std::uint64_t> durations[] = {
      {"update delay", spec.update.delay_ms},        {"update monitor", spec.update.monitor_ms},
      {"rollback delay", spec.rollback.delay_ms},    {"rollback monitor", spec.rollback.monitor_ms},
      {"health interval", spec.health.interval_ms},  {"health timeout", spec.health.timeout_ms},
      {"health start period", spec.health.start_period_ms},
      {"restart delay", spec.restart.delay_ms},      {"restart window", spec.restart.window_ms},
      {"isolation timeout", spec.partition.isolation_timeout_ms}};
  for (auto [what, ms] : durations) {
    if (ms > kMaxDurationMs) {
      return make_error(std::string(what) + " must be at most " + format_duration(kMaxDurationMs));
    }
  }
  return {};
}

Result<Service> bump(const Service& current, ServiceSpec next) {
  if (auto s = validate_spec(next); !s) return s.error();
  Service out = current;
  out.previous_spec = current.spec;
  out.spec = std::move(next);
  out.version = current.version + 1;
  return out;
}

Error no_such(const std::string& name) { return make_error("no service named " + name); }

}  // namespace

Status validate_service_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxServiceNameBytes) {
    return make_error("service name must be 1.." + std::to_string(kMaxServiceNameBytes) +
                      " characters");
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) {
      return make_error("service name '" + std::string(name) +
                        "' may only use a-z, 0-9 and '-'");
    }
  }
  if (name.front() == '-' || name.back() == '-') {
    return make_error("service name '" + std::string(name) + "' may not start or end with '-'");
  }
  return {};
}

Status validate_spec(const ServiceSpec& spec) {
  if (spec.mode == ServiceMode::kReplicated && spec.replicas > kMaxReplicas) {
    return make_error("replicas must be at most " + std::to_string(kMaxReplicas));
  }
  if (auto s = validate_task(spec.task); !s) return s;
  if (auto s = validate_placement(spec); !s) return s;
  if (auto s = validate_ports(spec); !s) return s;
  if (auto s = validate_labels(spec); !s) return s;
  if (auto s = validate_update("update", spec.update); !s) return s;
  if (auto s = validate_update("rollback", spec.rollback); !s) return s;
  if (auto s = validate_durations(spec); !s) return s;
  return check_string("health command", spec.health.command);
}

Result<Service> create_service(const Service* current, const std::string& name, ServiceSpec spec) {
  if (auto s = validate_service_name(name); !s) return s.error();
  if (current != nullptr) return make_error("service " + name + " already exists");
  if (auto s = validate_spec(spec); !s) return s.error();
  Service created;
  created.name = name;
  created.spec = std::move(spec);
  created.version = 1;
  return created;
}

Result<Service> scale_service(const Service* current, const std::string& name,
                              std::uint32_t replicas) {
  if (current == nullptr) return no_such(name);
  if (current->spec.mode == ServiceMode::kGlobal) {
    return make_error("service " + name + " is global; only replicated services can be scaled");
  }
  // Scaling changes how many tasks run, not what a task runs: the version (which names the
  // task template tasks run) and the previous spec stay, so no running task restarts, as in
  // `docker service scale`. The write is still an ordinary LWW write of the register.
  Service next = *current;
  next.spec.replicas = replicas;
  if (auto valid = validate_spec(next.spec); !valid) return valid.error();
  return next;
}

Result<Service> update_service(const Service* current, const std::string& name, ServiceSpec spec) {
  if (current == nullptr) return no_such(name);
  return bump(*current, std::move(spec));
}

Result<Service> rollback_service(const Service* current, const std::string& name) {
  if (current == nullptr) return no_such(name);
  if (!current->previous_spec) {
    return make_error("service " + name + " has no previous spec to roll back to");
  }
  return bump(*current, *current->previous_spec);
}

Result<Service> restore_conflict(const Service* current, const std::string& name, const Dot& entry) {
  if (current == nullptr) return no_such(name);
  const std::string id = entry.writer.name + ":" + std::to_string(entry.counter);
  for (const Conflict& c : current->conflicts) {
    if (c.lost_stamp.dot != entry) continue;
    if (!c.lost_spec) return make_error("journal entry " + id + " of " + name + " was kept without its value (an older agent's journal): set it again by hand: " + c.lost);
    Service lost, next = *current;
    lost.spec = *c.lost_spec;
    copy_field(lost, next, c.field);
    if (next.spec == current->spec) return make_error("service " + name + " already has " + c.lost);
    return update_service(current, name, next.spec);
  }
  return make_error("service " + name + " has no journal entry " + id + ": `shoal service history " + name + "` lists them");
}

}  // namespace shoal::crdt
