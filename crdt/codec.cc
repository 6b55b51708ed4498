#include "crdt/codec.h"

#include <algorithm>

#include <cmath>
#include <string_view>

#include "crdt/digest.h"
#include "crdt/wire.h"

namespace shoal::crdt {
namespace wire {
namespace {

void pack_str(Packer& pk, const std::string& s) { pk.pack(s); }
void pack_node(Packer& pk, const NodeId& n) { pk.pack(n.name); }

void pack_dot(Packer& pk, const Dot& d) {
  pk.pack_array(2);
  pack_node(pk, d.writer);
  pk.pack(d.counter);
}

void pack_hlc(Packer& pk, const HlcTimestamp& t) {
  pk.pack_array(2);
  pk.pack(t.wall_ms);
  pk.pack(t.logical);
}

void pack_strings(Packer& pk, const std::vector<std::string>& v) {
  pk.pack_array(static_cast<std::uint32_t>(v.size()));
  for (const auto& s : v) pack_str(pk, s);
}

void pack_update(Packer& pk, const UpdateConfig& u) {
  pk.pack_array(6);
  pk.pack(u.parallelism);
  pk.pack(u.delay_ms);
  pk.pack(u.monitor_ms);
  pk.pack(static_cast<std::uint8_t>(u.failure_action));
  pk.pack(u.max_failure_ratio);
  pk.pack(static_cast<std::uint8_t>(u.order));
}

void pack_spec(Packer& pk, const ServiceSpec& s) {
  // Labels are written only when set: a spec without them keeps the 11-field form agents before
  // service labels decode (as the image fields and the restart window below). The partition
  // policy likewise, as a 13th field (labels then present, maybe empty).
  const bool has_policy = !s.partition.is_default();
  pk.pack_array(has_policy ? 13 : s.labels.empty() ? 11 : 12);
  // The image fields are written only when set: a spec without them keeps the 5-field form
  // agents before images decode, so a mixed cluster keeps syncing process services.
  const bool image_fields = s.task.has_image_fields();
  pk.pack_array(image_fields ? 9 : 5);
  pk.pack(static_cast<std::uint8_t>(s.task.driver));
  pack_str(pk, s.task.command);
  pack_strings(pk, s.task.args);
  pk.pack_map(static_cast<std::uint32_t>(s.task.env.size()));
  for (const auto& [k, v] : s.task.env) {
    pack_str(pk, k);
    pack_str(pk, v);
  }
  pack_str(pk, s.task.rootfs);
  if (image_fields) {
    pack_str(pk, s.task.image);
    pack_strings(pk, s.task.entrypoint);
    pack_str(pk, s.task.workdir);
    pack_str(pk, s.task.user);
  }
  pk.pack(static_cast<std::uint8_t>(s.mode));
  pk.pack(s.replicas);
  pk.pack_array(2);
  pk.pack(s.reservations.cpu_millis);
  pk.pack(s.reservations.memory_bytes);
  pk.pack_array(static_cast<std::uint32_t>(s.constraints.size()));
  for (const auto& c : s.constraints) {
    pk.pack_array(3);
    pack_str(pk, c.label);
    pk.pack(static_cast<std::uint8_t>(c.op));
    pack_str(pk, c.value);
  }
  pack_str(pk, s.spread_label);
  pack_update(pk, s.update);
  pack_update(pk, s.rollback);
  pk.pack_array(static_cast<std::uint32_t>(s.ports.size()));
  for (const auto& p : s.ports) {
    pk.pack_array(3);
    pk.pack(p.published);
    pk.pack(p.target);
    pk.pack(static_cast<std::uint8_t>(p.protocol));
  }
  pk.pack_array(s.health.no_image_check ? 6 : 5);  // the switch only when set, as above
  pack_str(pk, s.health.command);
  pk.pack(s.health.interval_ms);
  pk.pack(s.health.timeout_ms);
  pk.pack(s.health.retries);
  pk.pack(s.health.start_period_ms);
  if (s.health.no_image_check) pk.pack(true);
  // The window is written only when set: a spec without one keeps the 3-field form of agents
  // before --restart-window, so those agents still decode it during a rolling upgrade.
  const bool has_window = s.restart.window_ms != 0;
  pk.pack_array(has_window ? 4 : 3);
  pk.pack(static_cast<std::uint8_t>(s.restart.condition));
  pk.pack(s.restart.delay_ms);
  pk.pack(s.restart.max_attempts);
  if (has_window) pk.pack(s.restart.window_ms);
  if (!s.labels.empty() || has_policy) {
    pk.pack_map(static_cast<std::uint32_t>(s.labels.size()));
    for (const auto& [k, v] : s.labels) {
      pack_str(pk, k);
      pack_str(pk, v);
    }
  }
  if (has_policy) {
    pk.pack_array(2);
    pk.pack(static_cast<std::uint8_t>(s.partition.on_partition));
    pk.pack(s.partition.isolation_timeout_ms);
  }
}

void pack_stamp(Packer& pk, const FieldStamp& s) {
  pack_hlc(pk, s.at);
  pack_dot(pk, s.dot);
}

// [[field, hlc, dot]...], [dot...] (the observed writes), [[field, lost, hlc, dot, won, hlc, dot]...]
void pack_merge_fields(Packer& pk, const Service& s) {
  pk.pack_array(static_cast<std::uint32_t>(s.stamps.size()));
  for (const auto& [field, stamp] : s.stamps) {
    pk.pack_array(3);
    pk.pack(static_cast<std::uint8_t>(field));
    pack_stamp(pk, stamp);
  }
  pk.pack_array(static_cast<std::uint32_t>(s.observed.size()));
  for (const auto& [writer, n] : s.observed) pack_dot(pk, Dot{writer, n});
  pk.pack_array(static_cast<std::uint32_t>(s.conflicts.size()));
  for (const auto& c : s.conflicts) {
    pk.pack_array(c.lost_spec ? 8 : 7);  // the lost value only when kept (journals before it: 7)
    pk.pack(static_cast<std::uint8_t>(c.field));
    pack_str(pk, c.lost);
    pack_stamp(pk, c.lost_stamp);
    pack_str(pk, c.won);
    pack_stamp(pk, c.won_stamp);
    if (c.lost_spec) pack_spec(pk, *c.lost_spec);
  }
}

// 6 fields, or 9 with the field-level merge's (stamps, observed writes, conflicts): a service
// that has none is written as older agents wrote it.
void pack_service(Packer& pk, const Service& s) {
  const bool agreed = !s.agreed_nodes.empty();
  const bool merge_fields = agreed || !s.stamps.empty() || !s.observed.empty() || !s.conflicts.empty();
  pk.pack_array(agreed ? 10 : merge_fields ? 9 : 6);
  pack_str(pk, s.name);
  pack_spec(pk, s.spec);
  pk.pack(s.version);
  if (s.previous_spec) {
    pack_spec(pk, *s.previous_spec);
  } else {
    pk.pack_nil();
  }
  pack_str(pk, s.vip);
  pk.pack(s.created_ms);
  if (merge_fields) pack_merge_fields(pk, s);
  if (agreed) pack_strings(pk, s.agreed_nodes);
}

void pack_task_status(Packer& pk, const TaskStatus& t) {
  pk.pack_array(5);
  pk.pack(t.spec_version);
  pk.pack(static_cast<std::uint8_t>(t.state));
  pack_str(pk, t.error);
  pack_str(pk, t.address);
  pk.pack(t.since_ms);
}

}  // namespace

void pack_context(Packer& pk, const CausalContext& cc) {
  pk.pack_array(2);
  pk.pack_array(static_cast<std::uint32_t>(cc.vv().size()));
  for (const auto& [writer, n] : cc.vv()) pack_dot(pk, Dot{writer, n});
  pk.pack_array(static_cast<std::uint32_t>(cc.cloud().size()));
  for (const auto& d : cc.cloud()) pack_dot(pk, d);
}

// [name, [[service, at, dot]...], [[removed dot, remover dot, at]...]]
void pack_service_item(Packer& pk, const std::string& name, const OrMapEntry<Service>& entry) {
  pk.pack_array(3);
  pack_str(pk, name);
  pk.pack_array(static_cast<std::uint32_t>(entry.live.size()));
  for (const auto& [dot, reg] : entry.live) {
    pk.pack_array(3);
    pack_service(pk, reg.value);
    pack_hlc(pk, reg.at);
    pack_dot(pk, reg.dot);
  }
  pk.pack_array(static_cast<std::uint32_t>(entry.removed.size()));
  for (const auto& [dot, stone] : entry.removed) {
    pk.pack_array(3);
    pack_dot(pk, dot);
    pack_dot(pk, stone.removed_by);
    pack_hlc(pk, stone.at);
  }
}

// [node, value, at, dot]
void pack_availability_item(Packer& pk, const NodeId& node, const LwwRegister<Availability>& reg) {
  pk.pack_array(4);
  pack_node(pk, node);
  pk.pack(static_cast<std::uint8_t>(reg.value));
  pack_hlc(pk, reg.at);
  pack_dot(pk, reg.dot);
}

// [service, slot, counter, at, status or nil]
void pack_task_item(Packer& pk, const TaskKey& key, const WriterEntry<TaskStatus>& entry) {
  pk.pack_array(5);
  pack_str(pk, key.service);
  pk.pack(key.slot);
  pk.pack(entry.counter);
  pack_hlc(pk, entry.at);
  if (entry.value) {
    pack_task_status(pk, *entry.value);
  } else {
    pk.pack_nil();
  }
}

// [seen, [service item...], [availability item...], [[writer, [task item...]]...]]
void pack_state(Packer& pk, const DesiredState& state) {
  pk.pack_array(4);
  pack_context(pk, state.seen);
  pk.pack_array(static_cast<std::uint32_t>(state.services.entries.size()));
  for (const auto& [name, entry] : state.services.entries) pack_service_item(pk, name, entry);
  pk.pack_array(static_cast<std::uint32_t>(state.availability.size()));
  for (const auto& [node, reg] : state.availability) pack_availability_item(pk, node, reg);
  pk.pack_array(static_cast<std::uint32_t>(state.tasks.writers.size()));
  for (const auto& [writer, entries] : state.tasks.writers) {
    pk.pack_array(2);
    pack_node(pk, writer);
    pk.pack_array(static_cast<std::uint32_t>(entries.size()));
    for (const auto& [key, entry] : entries) pack_task_item(pk, key, entry);
  }
}

}  // namespace wire

namespace {

using Obj = msgpack::object;

// Decoding helpers: each checks the msgpack type and range and names the field on error.
#define SHOAL_TRY(expr)              \
  do {                               \
    if (auto s_ = (expr); !s_) return s_; \
  } while (0)

Status bad(std::string_view what, std::string_view why) {
  return make_error(std::string(what) + ": " + std::string(why));
}

Status get_array(const Obj& o, std::string_view what, std::size_t n, const Obj** out) {
  if (o.type != msgpack::type::ARRAY) return bad(what, "expected an array");
  if (n != SIZE_MAX && o.via.array.size != n) {
    return bad(what, "expected " + std::to_string(n) + " fields");
  }
  *out = o.via.array.ptr;
  return {};
}

Status get_u64(const Obj& o, std::string_view what, std::uint64_t* out) {
  if (o.type != msgpack::type::POSITIVE_INTEGER) return bad(what, "expected an unsigned integer");
  *out = o.via.u64;
  return {};
}

template <typename U>
Status get_uint(const Obj& o, std::string_view what, U* out) {
  std::uint64_t v = 0;
  SHOAL_TRY(get_u64(o, what, &v));
  if (v > std::numeric_limits<U>::max()) return bad(what, "out of range");
  *out = static_cast<U>(v);
  return {};
}

template <typename E>
Status get_enum(const Obj& o, std::string_view what, E last, E* out) {
  std::uint64_t v = 0;
  SHOAL_TRY(get_u64(o, what, &v));
  if (v > static_cast<std::uint64_t>(last)) return bad(what, "unknown value " + std::to_string(v));
  *out = static_cast<E>(v);
  return {};
}

Status get_str(const Obj& o, std::string_view what, std::string* out) {
  if (o.type != msgpack::type::STR) return bad(what, "expected a string");
  out->assign(o.via.str.ptr, o.via.str.size);
  return {};
}

Status get_node(const Obj& o, std::string_view what, NodeId* out) {
  std::string name;
  SHOAL_TRY(get_str(o, what, &name));
  auto id = parse_node_id(name);
  if (!id) return bad(what, id.message());
  *out = std::move(id).value();
  return {};
}

Status get_dot(const Obj& o, std::string_view what, Dot* out) {
  const Obj* f = nullptr;
  SHOAL_TRY(get_array(o, what, 2, &f));
  SHOAL_TRY(get_node(f[0], what, &out->writer));
  SHOAL_TRY(get_u64(f[1], what, &out->counter));
  if (out->counter == 0) return bad(what, "event counter 0");
  return {};
}

Status get_hlc(const Obj& o, std::string_view what, HlcTimestamp* out) {
  const Obj* f = nullptr;
  SHOAL_TRY(get_array(o, what, 2, &f));
  SHOAL_TRY(get_u64(f[0], what, &out->wall_ms));
  return get_uint(f[1], what, &out->logical);
}

Status get_strings(const Obj& o, std::string_view what, std::vector<std::string>* out) {
  const Obj* f = nullptr;
  SHOAL_TRY(get_array(o, what, SIZE_MAX, &f));
  out->resize(o.via.array.size);
  for (std::size_t i = 0; i < out->size(); ++i) SHOAL_TRY(get_str(f[i], what, &(*out)[i]));
  return {};
}

Status get_update(const Obj& o, std::string_view what, UpdateConfig* u) {
  const Obj* f = nullptr;
  SHOAL_TRY(get_array(o, what, 6, &f));
  SHOAL_TRY(get_uint(f[0], what, &u->parallelism));
  SHOAL_TRY(get_u64(f[1], what, &u->delay_ms));
  SHOAL_TRY(get_u64(f[2], what, &u->monitor_ms));
  SHOAL_TRY(get_enum(f[3], what, FailureAction::kRollback, &u->failure_action));
  if (f[4].type == msgpack::type::FLOAT64 || f[4].type == msgpack::type::FLOAT32) {
    u->max_failure_ratio = f[4].via.f64;
  } else if (f[4].type == msgpack::type::POSITIVE_INTEGER) {
    u->max_failure_ratio = static_cast<double>(f[4].via.u64);
  } else {
    return bad(what, "max failure ratio is not a number");
  }
  if (!(u->max_failure_ratio >= 0.0 && u->max_failure_ratio <= 1.0)) {
    return bad(what, "max failure ratio outside 0..1");
  }
  return get_enum(f[5], what, UpdateOrder::kStartFirst, &u->order);
}

Status get_task_spec(const Obj& o, TaskSpec* t) {
  const Obj* f = nullptr;
  // 5 fields without image fields (agents before images, or none set), 9 with them.
  SHOAL_TRY(get_array(o, "task spec", SIZE_MAX, &f));
  const std::size_t n = o.via.array.size;
  if (n != 5 && n != 9) return bad("task spec", "expected 5 or 9 fields");
  SHOAL_TRY(get_enum(f[0], "driver", Driver::kOci, &t->driver));
  SHOAL_TRY(get_str(f[1], "command", &t->command));
  SHOAL_TRY(get_strings(f[2], "args", &t->args));
  if (f[3].type != msgpack::type::MAP) return bad("env", "expected a map");
  for (std::uint32_t i = 0; i < f[3].via.map.size; ++i) {
    std::string k, v;
    SHOAL_TRY(get_str(f[3].via.map.ptr[i].key, "env name", &k));
    SHOAL_TRY(get_str(f[3].via.map.ptr[i].val, "env value", &v));
    t->env[std::move(k)] = std::move(v);
  }
  SHOAL_TRY(get_str(f[4], "rootfs", &t->rootfs));
  if (n == 5) return {};
  SHOAL_TRY(get_str(f[5], "image", &t->image));
  SHOAL_TRY(get_strings(f[6], "entrypoint", &t->entrypoint));
  SHOAL_TRY(get_str(f[7], "workdir", &t->workdir));
  SHOAL_TRY(get_str(f[8], "user", &t->user));
  // Canonical form: equal specs encode equal, so all-empty image fields are never written.
  if (!t->has_image_fields()) return bad("task spec", "empty image fields must be encoded without them");
  return {};
}

Status get_spec(const Obj& o, ServiceSpec* s) {
  const Obj* f = nullptr;
  SHOAL_TRY(get_array(o, "service spec", SIZE_MAX, &f));
  const std::size_t fields = o.via.array.size;
  if (fields < 11 || fields > 13) return bad("service spec", "expected 11 to 13 fields");
  SHOAL_TRY(get_task_spec(f[0], &s->task));
  SHOAL_TRY(get_enum(f[1], "mode", ServiceMode::kGlobal, &s->mode));
  SHOAL_TRY(get_uint(f[2], "replicas", &s->replicas));
  const Obj* r = nullptr;
  SHOAL_TRY(get_array(f[3], "reservations", 2, &r));
  SHOAL_TRY(get_u64(r[0], "cpu", &s->reservations.cpu_millis));
  SHOAL_TRY(get_u64(r[1], "memory", &s->reservations.memory_bytes));
  const Obj* c = nullptr;
  SHOAL_TRY(get_array(f[4], "constraints", SIZE_MAX, &c));
  s->constraints.resize(f[4].via.array.size);
  for (std::size_t i = 0; i < s->constraints.size(); ++i) {
    const Obj* cf = nullptr;
    SHOAL_TRY(get_array(c[i], "constraint", 3, &cf));
    SHOAL_TRY(get_str(cf[0], "constraint label", &s->constraints[i].label));
    SHOAL_TRY(get_enum(cf[1], "constraint op", ConstraintOp::kNe, &s->constraints[i].op));
    SHOAL_TRY(get_str(cf[2], "constraint value", &s->constraints[i].value));
  }
  SHOAL_TRY(get_str(f[5], "spread label", &s->spread_label));
  SHOAL_TRY(get_update(f[6], "update config", &s->update));
  SHOAL_TRY(get_update(f[7], "rollback config", &s->rollback));
  const Obj* p = nullptr;
  SHOAL_TRY(get_array(f[8], "ports", SIZE_MAX, &p));
  s->ports.resize(f[8].via.array.size);
  for (std::size_t i = 0; i < s->ports.size(); ++i) {
    const Obj* pf = nullptr;
    SHOAL_TRY(get_array(p[i], "port", 3, &pf));
    SHOAL_TRY(get_uint(pf[0], "published port", &s->ports[i].published));
    SHOAL_TRY(get_uint(pf[1], "target port", &s->ports[i].target));
    SHOAL_TRY(get_enum(pf[2], "port protocol", PortProtocol::kUdp, &s->ports[i].protocol));
  }
  const Obj* h = nullptr;
  SHOAL_TRY(get_array(f[9], "health check", SIZE_MAX, &h));
  const std::size_t hn = f[9].via.array.size;
  if (hn != 5 && hn != 6) return bad("health check", "expected 5 or 6 fields");
  SHOAL_TRY(get_str(h[0], "health command", &s->health.command));
  SHOAL_TRY(get_u64(h[1], "health interval", &s->health.interval_ms));
  SHOAL_TRY(get_u64(h[2], "health timeout", &s->health.timeout_ms));
  SHOAL_TRY(get_uint(h[3], "health retries", &s->health.retries));
  SHOAL_TRY(get_u64(h[4], "health start period", &s->health.start_period_ms));
  s->health.no_image_check = false;
  if (hn == 6) {
    if (h[5].type != msgpack::type::BOOLEAN || !h[5].via.boolean)
      return bad("health check", "no-image-check must be encoded as true or not at all");
    s->health.no_image_check = true;
  }
  const Obj* rp = nullptr;
  // 3 fields without a window (older agents, or no window set), 4 with one.
  SHOAL_TRY(get_array(f[10], "restart policy", SIZE_MAX, &rp));
  const std::size_t n = f[10].via.array.size;
  if (n != 3 && n != 4) return bad("restart policy", "expected 3 or 4 fields");
  SHOAL_TRY(get_enum(rp[0], "restart condition", RestartCondition::kNone, &s->restart.condition));
  SHOAL_TRY(get_u64(rp[1], "restart delay", &s->restart.delay_ms));
  SHOAL_TRY(get_uint(rp[2], "restart max attempts", &s->restart.max_attempts));
  s->restart.window_ms = 0;
  if (n == 4) {
    SHOAL_TRY(get_u64(rp[3], "restart window", &s->restart.window_ms));
    // Canonical form: a zero window is always written as 3 fields, so equal specs encode equal.
    if (s->restart.window_ms == 0) return bad("restart window", "0 must be encoded without the field");
  }
  s->labels.clear();
  if (fields >= 12) {
    if (f[11].type != msgpack::type::MAP) return bad("labels", "expected a map");
    // Canonical form: no labels are written as 11 fields (12 only with a partition policy after
    // them), so equal specs encode equal.
    if (f[11].via.map.size == 0 && fields == 12) return bad("labels", "none must be encoded without the field");
    for (std::uint32_t i = 0; i < f[11].via.map.size; ++i) {
      std::string k, v;
      SHOAL_TRY(get_str(f[11].via.map.ptr[i].key, "label name", &k));
      SHOAL_TRY(get_str(f[11].via.map.ptr[i].val, "label value", &v));
      s->labels[std::move(k)] = std::move(v);
    }
  }
  s->partition = PartitionPolicy{};
  if (fields == 13) {
    const Obj* pp = nullptr;
    SHOAL_TRY(get_array(f[12], "partition policy", 2, &pp));
    SHOAL_TRY(get_enum(pp[0], "on-partition", OnPartition::kPinned, &s->partition.on_partition));
    SHOAL_TRY(get_u64(pp[1], "isolation timeout", &s->partition.isolation_timeout_ms));
    if (s->partition.is_default()) return bad("partition policy", "the default must be encoded without the field");
  }
  return {};
}

Status get_stamp(const Obj* f, std::string_view what, FieldStamp* out) {
  SHOAL_TRY(get_hlc(f[0], what, &out->at));
  return get_dot(f[1], what, &out->dot);
}

Status get_stamps(const Obj& o, Service* s) {
  const Obj* f = nullptr;
  SHOAL_TRY(get_array(o, "field stamps", SIZE_MAX, &f));
  if (o.via.array.size > kServiceFieldCount) return bad("field stamps", "more than one per field");
  for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
    const Obj* e = nullptr;
    SHOAL_TRY(get_array(f[i], "field stamp", 3, &e));
    ServiceField field{};
    FieldStamp stamp;
    SHOAL_TRY(get_enum(e[0], "stamped field", ServiceField::kLabels, &field));
    SHOAL_TRY(get_stamp(e + 1, "field stamp", &stamp));
    if (!s->stamps.emplace(field, stamp).second) return bad("field stamps", "a field appears twice");
  }
  return {};
}

Status get_observed(const Obj& o, Service* s) {
  const Obj* f = nullptr;
  SHOAL_TRY(get_array(o, "observed writes", SIZE_MAX, &f));
  for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
    Dot d;
    SHOAL_TRY(get_dot(f[i], "observed write", &d));
    if (!s->observed.emplace(d.writer, d.counter).second)
      return bad("observed writes", "writer " + d.writer.name + " appears twice");
  }
  return {};
}

Status get_conflicts(const Obj& o, Service* s) {
  const Obj* f = nullptr;
  SHOAL_TRY(get_array(o, "conflicts", SIZE_MAX, &f));
  if (o.via.array.size > kMaxConflicts) return bad("conflicts", "more than " + std::to_string(kMaxConflicts));
  for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
    const Obj* e = nullptr;
    SHOAL_TRY(get_array(f[i], "conflict", SIZE_MAX, &e));
    const std::size_t n = f[i].via.array.size;
    if (n != 7 && n != 8) return bad("conflict", "expected 7 or 8 fields");
    Conflict c;
    SHOAL_TRY(get_enum(e[0], "conflict field", ServiceField::kLabels, &c.field));
    SHOAL_TRY(get_str(e[1], "conflict lost value", &c.lost));
    SHOAL_TRY(get_stamp(e + 2, "conflict lost write", &c.lost_stamp));
    SHOAL_TRY(get_str(e[4], "conflict won value", &c.won));
    SHOAL_TRY(get_stamp(e + 5, "conflict won write", &c.won_stamp));
    if (n == 8) SHOAL_TRY(get_spec(e[7], &c.lost_spec.emplace()));
    s->conflicts.push_back(std::move(c));
  }
  return {};
}

Status get_service(const Obj& o, Service* s) {
  const Obj* f = nullptr;
  // 4 fields before services had a VIP (state files of older agents), 6 since, 9 with the
  // field-level merge's stamps, observed writes and conflicts (absent = one whole write).
  SHOAL_TRY(get_array(o, "service", SIZE_MAX, &f));
  const std::size_t n = o.via.array.size;
  if (n != 4 && n != 6 && n != 9 && n != 10) return bad("service", "expected 4, 6, 9 or 10 fields");
  SHOAL_TRY(get_str(f[0], "service name", &s->name));
  SHOAL_TRY(get_spec(f[1], &s->spec));
  SHOAL_TRY(get_u64(f[2], "service version", &s->version));
  if (f[3].type != msgpack::type::NIL) {
    s->previous_spec.emplace();
    SHOAL_TRY(get_spec(f[3], &*s->previous_spec));
  }
  if (n >= 6) {
    SHOAL_TRY(get_str(f[4], "service vip", &s->vip));
    SHOAL_TRY(get_u64(f[5], "service created", &s->created_ms));
  }
  if (n >= 9) {
    SHOAL_TRY(get_stamps(f[6], s));
    SHOAL_TRY(get_observed(f[7], s));
    SHOAL_TRY(get_conflicts(f[8], s));
  }
  if (n == 10) {
    if (f[9].type == msgpack::type::ARRAY && f[9].via.array.size > kMaxAgreedNodes)
      return bad("agreed nodes", "more than " + std::to_string(kMaxAgreedNodes));
    SHOAL_TRY(get_strings(f[9], "agreed nodes", &s->agreed_nodes));
    // Canonical form: none is written as 9 fields, and the set is sorted and unique.
    if (s->agreed_nodes.empty()) return bad("agreed nodes", "none must be encoded without the field");
    if (std::adjacent_find(s->agreed_nodes.begin(), s->agreed_nodes.end(),
                           [](const auto& a, const auto& b) { return a >= b; }) != s->agreed_nodes.end())
      return bad("agreed nodes", "expected sorted, unique names");
  }
  return {};
}

Status get_context(const Obj& o, CausalContext* cc) {
  const Obj* f = nullptr;
  SHOAL_TRY(get_array(o, "seen", 2, &f));
  const Obj* v = nullptr;
  SHOAL_TRY(get_array(f[0], "version vector", SIZE_MAX, &v));
  VersionVector vv;
  for (std::uint32_t i = 0; i < f[0].via.array.size; ++i) {
    Dot d;
    SHOAL_TRY(get_dot(v[i], "version vector entry", &d));
    if (!vv.emplace(d.writer, d.counter).second) {
      return bad("version vector", "writer " + d.writer.name + " appears twice");
    }
  }
  const Obj* c = nullptr;
  SHOAL_TRY(get_array(f[1], "seen cloud", SIZE_MAX, &c));
  std::set<Dot> cloud;
  for (std::uint32_t i = 0; i < f[1].via.array.size; ++i) {
    Dot d;
    SHOAL_TRY(get_dot(c[i], "seen cloud dot", &d));
    cloud.insert(std::move(d));
  }
  *cc = CausalContext::from_parts(std::move(vv), std::move(cloud));
  return {};
}

Status get_service_item(const Obj& o, OrMap<std::string, Service>* map) {
  const Obj* f = nullptr;
  SHOAL_TRY(get_array(o, "service entry", 3, &f));
  std::string name;
  SHOAL_TRY(get_str(f[0], "service entry name", &name));
  OrMap<std::string, Service> item;
  auto& entry = item.entries[name];
  const Obj* live = nullptr;
  SHOAL_TRY(get_array(f[1], "service writes", SIZE_MAX, &live));
  for (std::uint32_t i = 0; i < f[1].via.array.size; ++i) {
    const Obj* rf = nullptr;
    SHOAL_TRY(get_array(live[i], "service write", 3, &rf));
    LwwRegister<Service> reg;
    SHOAL_TRY(get_service(rf[0], &reg.value));
    SHOAL_TRY(get_hlc(rf[1], "service write time", &reg.at));
    SHOAL_TRY(get_dot(rf[2], "service write dot", &reg.dot));
    if (reg.value.name != name) {
      return bad("service entry " + name, "holds a service named " + reg.value.name);
    }
    auto [it, inserted] = entry.live.emplace(reg.dot, reg);
    if (!inserted) it->second.merge(reg);
  }
  const Obj* rm = nullptr;
  SHOAL_TRY(get_array(f[2], "service tombstones", SIZE_MAX, &rm));
  for (std::uint32_t i = 0; i < f[2].via.array.size; ++i) {
    const Obj* tf = nullptr;
    SHOAL_TRY(get_array(rm[i], "tombstone", 3, &tf));
    Dot removed;
    Tombstone stone;
    SHOAL_TRY(get_dot(tf[0], "tombstone dot", &removed));
    SHOAL_TRY(get_dot(tf[1], "tombstone remover", &stone.removed_by));
    SHOAL_TRY(get_hlc(tf[2], "tombstone time", &stone.at));
    auto [it, inserted] = entry.removed.emplace(removed, stone);
    if (!inserted && stone < it->second) it->second = stone;
  }
  // Merging restores the invariants (no dot both live and removed; no empty entry).
  map->merge(item);
  return {};
}

Status get_availability_item(const Obj& o, DesiredState* state) {
  const Obj* f = nullptr;
  SHOAL_TRY(get_array(o, "availability", 4, &f));
  NodeId node;
  LwwRegister<Availability> reg;
  SHOAL_TRY(get_node(f[0], "availability node", &node));
  SHOAL_TRY(get_enum(f[1], "availability", Availability::kDrain, &reg.value));
  SHOAL_TRY(get_hlc(f[2], "availability time", &reg.at));
  SHOAL_TRY(get_dot(f[3], "availability dot", &reg.dot));
  auto [it, inserted] = state->availability.emplace(node, reg);
  if (!inserted) it->second.merge(reg);
  return {};
}

Status get_task_item(const Obj& o, std::map<TaskKey, WriterEntry<TaskStatus>>* entries) {
  const Obj* f = nullptr;
  SHOAL_TRY(get_array(o, "task entry", 5, &f));
  TaskKey key;
  WriterEntry<TaskStatus> entry;
  SHOAL_TRY(get_str(f[0], "task service", &key.service));
  SHOAL_TRY(get_uint(f[1], "task slot", &key.slot));
  SHOAL_TRY(get_u64(f[2], "task counter", &entry.counter));
  if (entry.counter == 0) return bad("task counter", "0");
  SHOAL_TRY(get_hlc(f[3], "task time", &entry.at));
  if (f[4].type != msgpack::type::NIL) {
    const Obj* sf = nullptr;
    SHOAL_TRY(get_array(f[4], "task status", 5, &sf));
    TaskStatus& t = entry.value.emplace();
    t.service = key.service;
    t.slot = key.slot;
    SHOAL_TRY(get_u64(sf[0], "task spec version", &t.spec_version));
    SHOAL_TRY(get_enum(sf[1], "task state", kLastTaskState, &t.state));
    SHOAL_TRY(get_str(sf[2], "task error", &t.error));
    SHOAL_TRY(get_str(sf[3], "task address", &t.address));
    SHOAL_TRY(get_u64(sf[4], "task since", &t.since_ms));
  }
  auto [it, inserted] = entries->emplace(key, entry);
  if (!inserted && entry.newer_than(it->second)) it->second = entry;
  return {};
}

Status get_state(const Obj& o, DesiredState* state) {
  const Obj* f = nullptr;
  SHOAL_TRY(get_array(o, "state", 4, &f));
  SHOAL_TRY(get_context(f[0], &state->seen));
  const Obj* s = nullptr;
  SHOAL_TRY(get_array(f[1], "services", SIZE_MAX, &s));
  for (std::uint32_t i = 0; i < f[1].via.array.size; ++i) {
    SHOAL_TRY(get_service_item(s[i], &state->services));
  }
  const Obj* a = nullptr;
  SHOAL_TRY(get_array(f[2], "availability list", SIZE_MAX, &a));
  for (std::uint32_t i = 0; i < f[2].via.array.size; ++i) {
    SHOAL_TRY(get_availability_item(a[i], state));
  }
  const Obj* w = nullptr;
  SHOAL_TRY(get_array(f[3], "task writers", SIZE_MAX, &w));
  for (std::uint32_t i = 0; i < f[3].via.array.size; ++i) {
    const Obj* wf = nullptr;
    SHOAL_TRY(get_array(w[i], "task writer", 2, &wf));
    NodeId writer;
    SHOAL_TRY(get_node(wf[0], "task writer", &writer));
    const Obj* t = nullptr;
    SHOAL_TRY(get_array(wf[1], "task entries", SIZE_MAX, &t));
    auto& entries = state->tasks.writers[writer];
    for (std::uint32_t j = 0; j < wf[1].via.array.size; ++j) {
      SHOAL_TRY(get_task_item(t[j], &entries));
    }
    if (entries.empty()) state->tasks.writers.erase(writer);
  }
  return {};
}

Status get_digest(const Obj& o, Digest* d) {
  const Obj* f = nullptr;
  SHOAL_TRY(get_array(o, "digest", 2, &f));
  SHOAL_TRY(get_context(f[0], &d->seen));
  const Obj* h = nullptr;
  SHOAL_TRY(get_array(f[1], "bucket hashes", SIZE_MAX, &h));
  d->bucket_hashes.resize(f[1].via.array.size);
  for (std::size_t i = 0; i < d->bucket_hashes.size(); ++i) {
    SHOAL_TRY(get_u64(h[i], "bucket hash", &d->bucket_hashes[i]));
  }
  return {};
}

#undef SHOAL_TRY

// Bounds on untrusted input. A full state of 1,000,000 task entries spread over writers, or a
// digest of a few thousand buckets, fits; a forged length cannot make us allocate more.
msgpack::unpack_limit state_limits() {
  return msgpack::unpack_limit(/*array=*/1u << 21, /*map=*/4096, /*str=*/1u << 16,
                               /*bin=*/0, /*ext=*/0, /*depth=*/12);
}

template <typename T, typename Fn>
Result<T> decode_with(const std::uint8_t* data, std::size_t size, const char* what, Fn fn) {
  try {
    std::size_t off = 0;
    msgpack::object_handle oh = msgpack::unpack(reinterpret_cast<const char*>(data), size, off,
                                                nullptr, nullptr, state_limits());
    if (off != size) return make_error(std::string(what) + ": trailing bytes after the message");
    T out;
    if (auto s = fn(oh.get(), &out); !s) return make_error(std::string(what) + ": " + s.message());
    return out;
  } catch (const std::exception& e) {
    return make_error(std::string(what) + " is not valid msgpack: " + e.what());
  }
}

}  // namespace

Bytes encode_state(const DesiredState& state) {
  msgpack::sbuffer buf;
  wire::Packer pk(buf);
  wire::pack_state(pk, state);
  return Bytes(buf.data(), buf.data() + buf.size());
}

Result<DesiredState> decode_state(const std::uint8_t* data, std::size_t size) {
  return decode_with<DesiredState>(data, size, "crdt state", get_state);
}

Bytes encode_digest(const Digest& digest) {
  msgpack::sbuffer buf;
  wire::Packer pk(buf);
  pk.pack_array(2);
  wire::pack_context(pk, digest.seen);
  pk.pack_array(static_cast<std::uint32_t>(digest.bucket_hashes.size()));
  for (auto h : digest.bucket_hashes) pk.pack(h);
  return Bytes(buf.data(), buf.data() + buf.size());
}

Result<Digest> decode_digest(const std::uint8_t* data, std::size_t size) {
  return decode_with<Digest>(data, size, "crdt digest", get_digest);
}

}  // namespace shoal::crdt
