#include "runtime/task_record.h"

#include <map>
#include <msgpack.hpp>

namespace shoal::runtime {
namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;
using Fields = std::map<std::string, msgpack::object>;

// Keys are short strings: readable in a hex dump, stable across field reordering.
template <typename T>
void put(Packer& pk, const char* key, const T& value) {
  pk.pack(std::string_view(key));
  pk.pack(value);
}

void pack_health(Packer& pk, const HealthCheckSpec& h) {
  pk.pack_map(7);
  put(pk, "kind", static_cast<std::uint8_t>(h.kind));
  put(pk, "cmd", h.command);
  put(pk, "port", h.tcp_port);
  put(pk, "interval_ms", h.interval_ms);
  put(pk, "timeout_ms", h.timeout_ms);
  put(pk, "retries", h.retries);
  put(pk, "start_period_ms", h.start_period_ms);
}

void pack_restart(Packer& pk, const RestartPolicySpec& r) {
  pk.pack_map(6);
  put(pk, "condition", static_cast<std::uint8_t>(r.condition));
  put(pk, "delay_ms", r.delay_ms);
  put(pk, "max_delay_ms", r.max_delay_ms);
  put(pk, "max_attempts", r.max_attempts);
  put(pk, "reset_after_ms", r.reset_after_ms);
  put(pk, "window_ms", r.window_ms);  // absent in older records: 0, the old behaviour
}

void pack_spec(Packer& pk, const TaskSpec& s) {
  pk.pack_map(18);
  put(pk, "id", s.id);
  put(pk, "service", s.service);
  put(pk, "slot", s.slot);
  put(pk, "driver", static_cast<std::uint8_t>(s.driver));
  put(pk, "cmd", s.command);
  put(pk, "env", s.env);
  put(pk, "rootfs", s.rootfs);
  put(pk, "workdir", s.working_dir);
  put(pk, "uid", s.uid);  // absent in older records: 0 (root), what they ran as
  put(pk, "gid", s.gid);
  put(pk, "cpu_millis", s.cpu_millis);
  put(pk, "memory_bytes", s.memory_bytes);
  put(pk, "pids_max", s.pids_max);
  put(pk, "netns", s.network_namespace);
  put(pk, "resolv_conf", s.resolv_conf);
  pk.pack(std::string_view("health"));
  pack_health(pk, s.health);
  pk.pack(std::string_view("restart"));
  pack_restart(pk, s.restart);
  put(pk, "log_dir", s.log_dir);
}

Fields fields_of(const msgpack::object& o) {
  if (o.type != msgpack::type::MAP) throw msgpack::type_error();
  Fields f;
  for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR) continue;
    f.emplace(kv.key.as<std::string>(), kv.val);
  }
  return f;
}

template <typename T>
void get(const Fields& f, const char* key, T& out) {
  auto it = f.find(key);
  if (it != f.end()) it->second.convert(out);
}

template <typename E>
void get_enum(const Fields& f, const char* key, E& out, std::uint8_t max) {
  std::uint8_t raw = static_cast<std::uint8_t>(out);
  get(f, key, raw);
  if (raw > max) throw std::runtime_error(std::string("field ") + key + " out of range");
  out = static_cast<E>(raw);
}

HealthCheckSpec unpack_health(const msgpack::object& o) {
  Fields f = fields_of(o);
  HealthCheckSpec h;
  get_enum(f, "kind", h.kind, 2);
  get(f, "cmd", h.command);
  get(f, "port", h.tcp_port);
  get(f, "interval_ms", h.interval_ms);
  get(f, "timeout_ms", h.timeout_ms);
  get(f, "retries", h.retries);
  get(f, "start_period_ms", h.start_period_ms);
  return h;
}

RestartPolicySpec unpack_restart(const msgpack::object& o) {
  Fields f = fields_of(o);
  RestartPolicySpec r;
  get_enum(f, "condition", r.condition, 2);
  get(f, "delay_ms", r.delay_ms);
  get(f, "max_delay_ms", r.max_delay_ms);
  get(f, "max_attempts", r.max_attempts);
  get(f, "reset_after_ms", r.reset_after_ms);
  get(f, "window_ms", r.window_ms);
  return r;
}

TaskSpec unpack_spec(const msgpack::object& o) {
  Fields f = fields_of(o);
  TaskSpec s;
  get(f, "id", s.id);
  get(f, "service", s.service);
  get(f, "slot", s.slot);
  get_enum(f, "driver", s.driver, 1);
  get(f, "cmd", s.command);
  get(f, "env", s.env);
  get(f, "rootfs", s.rootfs);
  get(f, "workdir", s.working_dir);
  get(f, "uid", s.uid);
  get(f, "gid", s.gid);
  get(f, "cpu_millis", s.cpu_millis);
  get(f, "memory_bytes", s.memory_bytes);
  get(f, "pids_max", s.pids_max);
  get(f, "netns", s.network_namespace);
  get(f, "resolv_conf", s.resolv_conf);
  if (auto it = f.find("health"); it != f.end()) s.health = unpack_health(it->second);
  if (auto it = f.find("restart"); it != f.end()) s.restart = unpack_restart(it->second);
  get(f, "log_dir", s.log_dir);
  return s;
}

}  // namespace

std::string encode_task_record(const TaskRecord& r) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(10);
  put(pk, "v", kTaskRecordVersion);
  pk.pack(std::string_view("spec"));
  pack_spec(pk, r.spec);
  put(pk, "pid", r.pid);
  put(pk, "start_time", r.start_time);
  put(pk, "cgroup_parent", r.cgroup_parent);
  put(pk, "stdout", r.stdout_path);
  put(pk, "stderr", r.stderr_path);
  put(pk, "bundle", r.bundle_dir);
  put(pk, "state", static_cast<std::uint8_t>(r.state));
  put(pk, "restarts", r.restarts);
  return std::string(buf.data(), buf.size());
}

Result<TaskRecord> decode_task_record(std::string_view bytes) {
  if (bytes.size() > kMaxTaskRecordBytes) return make_error("task record larger than 1 MiB");
  try {
    // Limits: the record is local but may be corrupt; never let it allocate without bound.
    msgpack::object_handle oh = msgpack::unpack(bytes.data(), bytes.size(), nullptr, nullptr,
                                                msgpack::unpack_limit(8192, 64, 1 << 20, 1 << 20, 0, 16));
    Fields f = fields_of(oh.get());
    std::uint32_t version = 0;
    get(f, "v", version);
    if (version != kTaskRecordVersion)
      return make_error("task record version " + std::to_string(version) + " is not " +
                        std::to_string(kTaskRecordVersion));
    TaskRecord r;
    auto spec = f.find("spec");
    if (spec == f.end()) return make_error("task record has no spec");
    r.spec = unpack_spec(spec->second);
    get(f, "pid", r.pid);
    get(f, "start_time", r.start_time);
    get(f, "cgroup_parent", r.cgroup_parent);
    get(f, "stdout", r.stdout_path);
    get(f, "stderr", r.stderr_path);
    get(f, "bundle", r.bundle_dir);
    get_enum(f, "state", r.state, static_cast<std::uint8_t>(TaskState::kShutdown));
    get(f, "restarts", r.restarts);
    if (auto s = validate_task_id(r.spec.id); !s) return make_error("task record: " + s.message());
    if (r.pid <= 0) return make_error("task record of " + r.spec.id + " has no pid");
    return r;
  } catch (const std::exception& e) {
    return make_error(std::string("task record is not valid msgpack: ") + e.what());
  }
}

}  // namespace shoal::runtime
