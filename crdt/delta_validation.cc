#include "crdt/delta_validation.h"

#include <algorithm>
#include <string>

#include "crdt/desired_state.h"
#include "crdt/service_ops.h"

namespace shoal::crdt {

namespace {

Status too_many(const std::string& what, std::size_t n, std::size_t max) {
  return make_error(what + ": " + std::to_string(n) + " is more than the limit of " + std::to_string(max));
}

Status check_node(const std::string& what, const NodeId& node) {
  if (auto id = parse_node_id(node.name); !id) return make_error(what + ": " + id.message());
  return {};
}

Status check_dot(const std::string& what, const Dot& dot) {
  if (dot.counter == 0) return make_error(what + ": event counter 0 is never issued");
  return check_node(what, dot.writer);
}

Status check_service(const std::string& key, const LwwRegister<Service>& reg, const DeltaLimits& lim) {
  const std::string what = "service entry '" + key + "'";
  const Service& s = reg.value;
  if (s.name != key) return make_error(what + ": holds a service named '" + s.name + "'");
  if (auto st = check_dot(what, reg.dot); !st) return st;
  if (s.vip.size() > lim.vip_bytes_max) return too_many(what + " VIP bytes", s.vip.size(), lim.vip_bytes_max);
  if (auto st = validate_spec(s.spec); !st) return make_error(what + ": " + st.message());
  if (s.previous_spec) {
    if (auto st = validate_spec(*s.previous_spec); !st) return make_error(what + " previous spec: " + st.message());
  }
  // The field-level merge's bookkeeping (crdt/service_merge.h): bounded like the rest.
  if (s.observed.size() > lim.nodes_max) return too_many(what + " observed writers", s.observed.size(), lim.nodes_max);
  if (s.agreed_nodes.size() > lim.nodes_max) return too_many(what + " agreed nodes", s.agreed_nodes.size(), lim.nodes_max);
  for (const auto& n : s.agreed_nodes) {
    if (auto st = check_node(what + " agreed node", NodeId{n}); !st) return st;
  }
  if (s.conflicts.size() > kMaxConflicts) return too_many(what + " conflicts", s.conflicts.size(), kMaxConflicts);
  for (const auto& c : s.conflicts) {
    if (c.lost.size() > kMaxConflictTextBytes || c.won.size() > kMaxConflictTextBytes)
      return too_many(what + " conflict text bytes", std::max(c.lost.size(), c.won.size()), kMaxConflictTextBytes);
    if (c.lost_spec) {
      if (auto st = validate_spec(*c.lost_spec); !st) return make_error(what + " conflict's lost value: " + st.message());
    }
  }
  return {};
}

Status check_services(const DesiredState& d, const DeltaLimits& lim) {
  if (d.services.entries.size() > lim.services_max)
    return too_many("services", d.services.entries.size(), lim.services_max);
  for (const auto& [name, entry] : d.services.entries) {
    if (auto st = validate_service_name(name); !st) return make_error("service entry: " + st.message());
    const std::string what = "service entry '" + name + "'";
    if (entry.live.size() > lim.writes_per_service_max)
      return too_many(what + " concurrent writes", entry.live.size(), lim.writes_per_service_max);
    if (entry.removed.size() > lim.tombstones_per_service_max)
      return too_many(what + " tombstones", entry.removed.size(), lim.tombstones_per_service_max);
    for (const auto& [dot, reg] : entry.live) {
      if (auto st = check_service(name, reg, lim); !st) return st;
    }
    for (const auto& [dot, stone] : entry.removed) {
      if (auto st = check_dot(what + " tombstone", dot); !st) return st;
      if (auto st = check_dot(what + " tombstone remover", stone.removed_by); !st) return st;
    }
  }
  return {};
}

Status check_tasks(const DesiredState& d, const DeltaLimits& lim) {
  if (d.tasks.writers.size() > lim.nodes_max) return too_many("task writers", d.tasks.writers.size(), lim.nodes_max);
  for (const auto& [writer, entries] : d.tasks.writers) {
    if (auto st = check_node("task writer", writer); !st) return st;
    const std::string what = "tasks of " + writer.name;
    if (entries.size() > lim.tasks_per_node_max) return too_many(what, entries.size(), lim.tasks_per_node_max);
    for (const auto& [key, entry] : entries) {
      const std::string task = "task " + key.service + "." + std::to_string(key.slot) + " of " + writer.name;
      if (auto st = validate_service_name(key.service); !st) return make_error(task + ": " + st.message());
      if (key.slot >= kMaxReplicas) return make_error(task + ": slot beyond the replica limit " + std::to_string(kMaxReplicas));
      if (entry.counter == 0) return make_error(task + ": event counter 0 is never issued");
      if (!entry.value) continue;
      const TaskStatus& t = *entry.value;
      if (t.service != key.service || t.slot != key.slot) return make_error(task + ": status names another task");
      if (t.address.size() > lim.task_address_bytes_max)
        return too_many(task + " address bytes", t.address.size(), lim.task_address_bytes_max);
      if (t.error.size() > lim.task_error_bytes_max)
        return too_many(task + " error bytes", t.error.size(), lim.task_error_bytes_max);
    }
  }
  return {};
}

Status check_context_and_availability(const DesiredState& d, const DeltaLimits& lim) {
  if (d.seen.vv().size() > lim.nodes_max) return too_many("writers in the causal context", d.seen.vv().size(), lim.nodes_max);
  if (d.seen.cloud().size() > lim.cloud_max) return too_many("out-of-order events", d.seen.cloud().size(), lim.cloud_max);
  for (const auto& [writer, n] : d.seen.vv()) {
    if (auto st = check_node("causal context", writer); !st) return st;
  }
  for (const Dot& dot : d.seen.cloud()) {
    if (auto st = check_dot("causal context", dot); !st) return st;
  }
  if (d.availability.size() > lim.nodes_max) return too_many("availability entries", d.availability.size(), lim.nodes_max);
  for (const auto& [node, reg] : d.availability) {
    if (auto st = check_node("availability", node); !st) return st;
    if (auto st = check_dot("availability of " + node.name, reg.dot); !st) return st;
  }
  return {};
}

}  // namespace

Status validate_delta(const DesiredState& delta, const DeltaLimits& limits) {
  if (auto st = check_context_and_availability(delta, limits); !st) return st;
  if (auto st = check_services(delta, limits); !st) return st;
  return check_tasks(delta, limits);
}

}  // namespace shoal::crdt
