#include "crdt/state_json.h"

namespace shoal::crdt {
namespace {

void write_dot(JsonWriter& w, const Dot& d) {
  w.begin_array().value(d.writer.name).value(d.counter).end_array();
}

void write_hlc(JsonWriter& w, const HlcTimestamp& t) {
  w.begin_array().value(t.wall_ms).value(std::uint64_t{t.logical}).end_array();
}

void write_update_json(JsonWriter& w, const UpdateConfig& u) {
  w.begin_object();
  w.key("parallelism").value(std::uint64_t{u.parallelism});
  w.key("delay_ms").value(u.delay_ms);
  w.key("monitor_ms").value(u.monitor_ms);
  w.key("failure_action").value(to_string(u.failure_action));
  w.key("max_failure_ratio").value(u.max_failure_ratio);
  w.key("order").value(to_string(u.order));
  w.end_object();
}

void write_task_spec_json(JsonWriter& w, const TaskSpec& t) {
  w.begin_object();
  w.key("driver").value(to_string(t.driver));
  w.key("command").value(t.command);
  w.key("args").begin_array();
  for (const auto& a : t.args) w.value(a);
  w.end_array();
  w.key("env").begin_object();
  for (const auto& [k, v] : t.env) w.key(k).value(v);
  w.end_object();
  w.key("rootfs").value(t.rootfs);
  w.key("image").value(t.image);
  w.key("entrypoint").begin_array();
  for (const auto& a : t.entrypoint) w.value(a);
  w.end_array();
  w.key("workdir").value(t.workdir);
  w.key("user").value(t.user);
  w.end_object();
}

}  // namespace

void write_spec_json(JsonWriter& w, const ServiceSpec& s) {
  w.begin_object();
  w.key("task");
  write_task_spec_json(w, s.task);
  w.key("mode").value(to_string(s.mode));
  w.key("replicas").value(std::uint64_t{s.replicas});
  w.key("cpu_millis").value(s.reservations.cpu_millis);
  w.key("memory_bytes").value(s.reservations.memory_bytes);
  w.key("constraints").begin_array();
  for (const auto& c : s.constraints) {
    w.begin_object().key("label").value(c.label).key("op").value(to_string(c.op));
    w.key("value").value(c.value).end_object();
  }
  w.end_array();
  w.key("spread_label").value(s.spread_label);
  w.key("update");
  write_update_json(w, s.update);
  w.key("rollback");
  write_update_json(w, s.rollback);
  w.key("ports").begin_array();
  for (const auto& p : s.ports) {
    w.begin_object().key("published").value(std::uint64_t{p.published});
    w.key("target").value(std::uint64_t{p.target}).key("protocol").value(to_string(p.protocol));
    w.end_object();
  }
  w.end_array();
  w.key("health").begin_object();
  w.key("command").value(s.health.command).key("interval_ms").value(s.health.interval_ms);
  w.key("timeout_ms").value(s.health.timeout_ms);
  w.key("retries").value(std::uint64_t{s.health.retries});
  w.key("start_period_ms").value(s.health.start_period_ms);
  w.key("no_image_check").value(s.health.no_image_check).end_object();
  w.key("restart").begin_object();
  w.key("condition").value(to_string(s.restart.condition));
  w.key("delay_ms").value(s.restart.delay_ms);
  w.key("max_attempts").value(std::uint64_t{s.restart.max_attempts});
  w.key("window_ms").value(s.restart.window_ms).end_object();
  w.key("labels").begin_object();
  for (const auto& [k, v] : s.labels) w.key(k).value(v);
  w.end_object();
  w.key("partition").begin_object().key("on_partition").value(to_string(s.partition.on_partition));
  w.key("isolation_timeout_ms").value(s.partition.isolation_timeout_ms).end_object();
  w.end_object();
}

void write_service_json(JsonWriter& w, const Service& service) {
  w.begin_object();
  w.key("name").value(service.name);
  w.key("version").value(service.version);
  w.key("vip");
  if (service.vip.empty()) {
    w.null();
  } else {
    w.value(service.vip);
  }
  w.key("spec");
  write_spec_json(w, service.spec);
  w.key("previous_spec");
  if (service.previous_spec) {
    write_spec_json(w, *service.previous_spec);
  } else {
    w.null();
  }
  // The field-level merge's bookkeeping (crdt/service_merge.h), when there is any.
  if (!service.stamps.empty()) {
    w.key("field_stamps").begin_object();
    for (const auto& [field, stamp] : service.stamps) {
      w.key(to_string(field)).begin_object().key("at");
      write_hlc(w, stamp.at);
      w.key("dot");
      write_dot(w, stamp.dot);
      w.end_object();
    }
    w.end_object();
  }
  if (!service.observed.empty()) {
    w.key("observed").begin_object();
    for (const auto& [writer, n] : service.observed) w.key(writer.name).value(n);
    w.end_object();
  }
  if (!service.agreed_nodes.empty()) {
    w.key("agreed_nodes").begin_array();
    for (const auto& n : service.agreed_nodes) w.value(n);
    w.end_array();
  }
  if (!service.conflicts.empty()) {
    w.key("conflicts").begin_array();
    for (const auto& c : service.conflicts) {
      w.begin_object().key("field").value(to_string(c.field)).key("lost").value(c.lost).key("lost_at");
      write_hlc(w, c.lost_stamp.at);
      w.key("lost_by").value(c.lost_stamp.dot.writer.name).key("won").value(c.won).key("won_at");
      write_hlc(w, c.won_stamp.at);
      w.key("won_by").value(c.won_stamp.dot.writer.name).end_object();
    }
    w.end_array();
  }
  w.end_object();
}

void write_task_json(JsonWriter& w, const NodeId& runner, const TaskStatus& t) {
  w.begin_object();
  w.key("runner").value(runner.name);
  w.key("service").value(t.service);
  w.key("slot").value(std::uint64_t{t.slot});
  w.key("spec_version").value(t.spec_version);
  w.key("state").value(to_string(t.state));
  w.key("error").value(t.error);
  w.key("address").value(t.address);
  w.key("since_ms").value(t.since_ms);
  w.end_object();
}

std::string dump_state_json(const DesiredState& state) {
  JsonWriter w;
  w.begin_object();
  w.key("seen").begin_object().key("vv").begin_object();
  for (const auto& [writer, n] : state.seen.vv()) w.key(writer.name).value(n);
  w.end_object().key("cloud").begin_array();
  for (const auto& d : state.seen.cloud()) write_dot(w, d);
  w.end_array().end_object();

  w.key("services").begin_array();
  for (const auto& [name, entry] : state.services.entries) {
    w.begin_object().key("name").value(name).key("writes").begin_array();
    for (const auto& [dot, reg] : entry.live) {
      w.begin_object().key("dot");
      write_dot(w, dot);
      w.key("at");
      write_hlc(w, reg.at);
      w.key("value");
      write_service_json(w, reg.value);
      w.end_object();
    }
    w.end_array().key("tombstones").begin_array();
    for (const auto& [dot, stone] : entry.removed) {
      w.begin_object().key("dot");
      write_dot(w, dot);
      w.key("removed_by");
      write_dot(w, stone.removed_by);
      w.key("at");
      write_hlc(w, stone.at);
      w.end_object();
    }
    w.end_array().end_object();
  }
  w.end_array();

  w.key("availability").begin_array();
  for (const auto& [node, reg] : state.availability) {
    w.begin_object().key("node").value(node.name).key("value").value(to_string(reg.value));
    w.key("at");
    write_hlc(w, reg.at);
    w.key("dot");
    write_dot(w, reg.dot);
    w.end_object();
  }
  w.end_array();

  w.key("tasks").begin_array();
  for (const auto& [runner, entries] : state.tasks.writers) {
    for (const auto& [key, entry] : entries) {
      w.begin_object().key("runner").value(runner.name).key("service").value(key.service);
      w.key("slot").value(std::uint64_t{key.slot}).key("counter").value(entry.counter);
      w.key("at");
      write_hlc(w, entry.at);
      w.key("status");
      if (entry.value) {
        write_task_json(w, runner, *entry.value);
      } else {
        w.null();
      }
      w.end_object();
    }
  }
  w.end_array();
  w.end_object();
  return w.str();
}

}  // namespace shoal::crdt
