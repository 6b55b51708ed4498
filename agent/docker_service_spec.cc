#include "agent/docker_service_spec.h"

#include <strings.h>

#include <set>

#include "common/units.h"

namespace shoal {

namespace {

using json = nlohmann::json;

Status refused(const std::string& path, const std::string& why = "") {
  return make_error("ServiceSpec field " + path + " is not supported by shoal" + (why.empty() ? "" : ": " + why) +
                    " (see docs/docker-api.md)");
}
Status bad(const std::string& path, const std::string& what) {
  return make_error("ServiceSpec field " + path + ": " + what);
}

// Go's zero values: what a client sends (or omits) for a setting the user did not give.
bool is_zero(const json& v) {
  if (v.is_null()) return true;
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number_integer() || v.is_number_unsigned()) return v.get<std::int64_t>() == 0;
  if (v.is_number_float()) return v.get<double>() == 0.0;
  if (v.is_string()) return v.get_ref<const std::string&>().empty();
  if (v.is_object()) {
    for (const auto& [k, sub] : v.items())
      if (!is_zero(sub)) return false;
    return true;
  }
  if (v.is_array()) return v.empty();
  return false;
}

// Reads one JSON object: fields are taken by name; finish() refuses every other field whose
// value is not zero, naming it. `path` is the field's place in the ServiceSpec ("TaskTemplate").
class ObjectReader {
 public:
  ObjectReader(const json* obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  Status check_object() const {
    if (obj_ && !obj_->is_null() && !obj_->is_object()) return bad(path_.empty() ? "(body)" : path_, "must be an object");
    return {};
  }
  // Null when absent or JSON null.
  // Go's encoding/json matches field names case-insensitively (the Python SDK sends
  // "replicated"), so this does too; an exact match wins.
  const json* take(const char* key) {
    if (!obj_ || !obj_->is_object()) return nullptr;
    auto it = obj_->find(key);
    if (it == obj_->end())
      for (auto i = obj_->begin(); i != obj_->end(); ++i)
        if (strcasecmp(i.key().c_str(), key) == 0 && !taken_.count(i.key())) {
          it = i;
          break;
        }
    if (it == obj_->end()) return nullptr;
    taken_.insert(it.key());
    return it->is_null() ? nullptr : &*it;
  }
  std::string path(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  Status finish() const {
    if (!obj_ || !obj_->is_object()) return {};
    for (const auto& [k, v] : obj_->items())
      if (!taken_.count(k) && !is_zero(v)) return refused(path(k.c_str()));
    return {};
  }

 private:
  const json* obj_;
  std::string path_;
  std::set<std::string> taken_;
};

Status read_string(const json* v, const std::string& path, std::string* out) {
  if (!v) return {};
  if (!v->is_string()) return bad(path, "must be a string");
  *out = v->get<std::string>();
  return {};
}

Status read_u64(const json* v, const std::string& path, std::uint64_t max, std::uint64_t* out) {
  if (!v) return {};
  if (!v->is_number_integer() || (v->is_number_integer() && !v->is_number_unsigned() && v->get<std::int64_t>() < 0))
    return bad(path, "must be a whole number >= 0");
  std::uint64_t n = v->get<std::uint64_t>();
  if (n > max) return bad(path, "must be at most " + std::to_string(max));
  *out = n;
  return {};
}

// Nanoseconds -> milliseconds, refusing what milliseconds cannot hold (no silent rounding).
Status read_duration_ms(const json* v, const std::string& path, std::uint64_t* out_ms) {
  std::uint64_t ns = 0;
  if (auto s = read_u64(v, path, kMaxDurationMs * 1'000'000, &ns); !s) return s;
  if (!v) return {};
  if (ns % 1'000'000 != 0) return bad(path, "shoal keeps durations in whole milliseconds; " + std::to_string(ns) + "ns is not one");
  *out_ms = ns / 1'000'000;
  return {};
}

Status read_string_list(const json* v, const std::string& path, std::vector<std::string>* out) {
  if (!v) return {};
  if (!v->is_array()) return bad(path, "must be a list of strings");
  out->clear();
  for (const auto& e : *v) {
    if (!e.is_string()) return bad(path, "must be a list of strings");
    out->push_back(e.get<std::string>());
  }
  return {};
}

Status read_string_map(const json* v, const std::string& path, std::map<std::string, std::string>* out) {
  if (!v) return {};
  if (!v->is_object()) return bad(path, "must be an object of strings");
  for (const auto& [k, e] : v->items()) {
    if (!e.is_string()) return bad(path + "." + k, "must be a string");
    (*out)[k] = e.get<std::string>();
  }
  return {};
}

// A field shoal holds only at one value (e.g. Isolation "default"): anything else is refused.
Status expect_only(const json* v, const std::string& path, std::initializer_list<const char*> allowed) {
  if (!v) return {};
  if (v->is_string())
    for (const char* a : allowed)
      if (v->get_ref<const std::string&>() == a) return {};
  return refused(path, "only " + std::string(*allowed.begin()) + " is");
}

// 'a b' c -> the POSIX-shell quoting of each word, so CMD ["a", "b c"] means the same under sh -c.
std::string shell_join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += '\'';
    for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

Status read_health(const json* v, const std::string& path, crdt::HealthCheck* h) {
  ObjectReader r(v, path);
  if (auto s = r.check_object(); !s) return s;
  std::vector<std::string> test;
  if (auto s = read_string_list(r.take("Test"), r.path("Test"), &test); !s) return s;
  if (!test.empty()) {
    if (test[0] == "NONE" && test.size() == 1) h->command.clear(), h->no_image_check = true;
    else if (test[0] == "CMD-SHELL" && test.size() == 2) h->command = test[1];
    else if (test[0] == "CMD" && test.size() >= 2) h->command = shell_join({test.begin() + 1, test.end()});
    else return bad(r.path("Test"), "must be [\"NONE\"], [\"CMD-SHELL\", COMMAND] or [\"CMD\", ARG...]");
  }
  // 0 means "inherit" on the Engine API: shoal's defaults are Docker's.
  std::uint64_t ms = 0;
  if (auto s = read_duration_ms(r.take("Interval"), r.path("Interval"), &ms); !s) return s;
  if (ms) h->interval_ms = ms, ms = 0;
  if (auto s = read_duration_ms(r.take("Timeout"), r.path("Timeout"), &ms); !s) return s;
  if (ms) h->timeout_ms = ms, ms = 0;
  if (auto s = read_duration_ms(r.take("StartPeriod"), r.path("StartPeriod"), &ms); !s) return s;
  if (ms) h->start_period_ms = ms;
  std::uint64_t retries = 0;
  if (auto s = read_u64(r.take("Retries"), r.path("Retries"), UINT32_MAX, &retries); !s) return s;
  if (retries) h->retries = static_cast<std::uint32_t>(retries);
  return r.finish();
}

// TaskTemplate.ContainerSpec -> the task (driver, command, env) and its health check.
Status read_container(const json* v, const std::string& path, DockerServiceSpec* out) {
  ObjectReader r(v, path);
  if (auto s = r.check_object(); !s) return s;
  if (!v) return bad(path, "is required (it holds the Image)");
  std::string image;
  if (auto s = read_string(r.take("Image"), r.path("Image"), &image); !s) return s;
  if (image.empty()) return bad(r.path("Image"), "is required");
  std::vector<std::string> command, args, env;
  if (auto s = read_string_list(r.take("Command"), r.path("Command"), &command); !s) return s;
  if (auto s = read_string_list(r.take("Args"), r.path("Args"), &args); !s) return s;
  if (auto s = read_string_list(r.take("Env"), r.path("Env"), &env); !s) return s;
  std::map<std::string, std::string> labels;
  if (auto s = read_string_map(r.take("Labels"), r.path("Labels"), &labels); !s) return s;
  if (auto s = expect_only(r.take("Isolation"), r.path("Isolation"), {"default", ""}); !s) return s;
  if (auto s = read_health(r.take("Healthcheck"), r.path("Healthcheck"), &out->spec.health); !s) return s;
  crdt::TaskSpec& task = out->spec.task;
  for (const auto& e : env) {
    auto eq = e.find('=');
    if (eq == 0 || eq == std::string::npos) return bad(r.path("Env"), "'" + e + "' is not KEY=VALUE");
    task.env[e.substr(0, eq)] = e.substr(eq + 1);
  }
  std::string workdir, user;
  if (auto s = read_string(r.take("Dir"), r.path("Dir"), &workdir); !s) return s;
  if (auto s = read_string(r.take("User"), r.path("User"), &user); !s) return s;
  const std::string base = image.substr(0, image.find_first_of(":@", image.find('/')));
  if (base == kProcessImage || base == kRootfsImage) {
    // No image config to merge with: the command is Command then Args, as the process runs it.
    if (!workdir.empty()) return refused(r.path("Dir"), "only image services have a working directory setting");
    if (!user.empty()) return refused(r.path("User"), "only image services have a user setting");
    std::vector<std::string> argv = command;
    argv.insert(argv.end(), args.begin(), args.end());
    if (argv.empty()) return bad(r.path("Args"), "shoal's " + base + " has no default command: give one");
    task.command = argv[0];
    task.args.assign(argv.begin() + 1, argv.end());
    task.driver = crdt::Driver::kProcess;
    if (base == kRootfsImage) {
      task.driver = crdt::Driver::kOci;
      auto it = labels.find(kRootfsLabel);
      if (it == labels.end()) return bad(r.path("Labels"), std::string(kRootfsImage) + " needs the label " + kRootfsLabel + "=PATH");
      task.rootfs = it->second;
      labels.erase(it);
    }
  } else {
    // Docker's meaning: Command replaces the image's Entrypoint, Args its Cmd (crdt/service.h).
    // The route pins `image` to a digest before the write.
    out->image = image;
    task.driver = crdt::Driver::kOci;
    task.image = image;
    task.entrypoint = command;
    if (!args.empty()) {
      task.command = args[0];
      task.args.assign(args.begin() + 1, args.end());
    }
    task.workdir = workdir;
    task.user = user;
  }
  if (!labels.empty()) return refused(r.path("Labels"), "container labels other than " + std::string(kRootfsLabel) + " are not kept");
  return r.finish();
}

Status read_resources(const json* v, const std::string& path, crdt::Resources* res) {
  ObjectReader r(v, path);
  if (auto s = r.check_object(); !s) return s;
  ObjectReader limits(r.take("Limits"), r.path("Limits"));
  if (auto s = limits.finish(); !s) return refused(r.path("Limits"), "shoal reserves, it does not limit (yet)");
  ObjectReader reserve(r.take("Reservations"), r.path("Reservations"));
  if (auto s = reserve.check_object(); !s) return s;
  std::uint64_t nanos = 0;
  if (auto s = read_u64(reserve.take("NanoCPUs"), reserve.path("NanoCPUs"), UINT64_MAX / 2, &nanos); !s) return s;
  if (nanos % 1'000'000 != 0) return bad(reserve.path("NanoCPUs"), "shoal reserves CPU in thousandths of a core");
  res->cpu_millis = nanos / 1'000'000;
  if (auto s = read_u64(reserve.take("MemoryBytes"), reserve.path("MemoryBytes"), UINT64_MAX / 2, &res->memory_bytes); !s)
    return s;
  if (auto s = reserve.finish(); !s) return s;
  return r.finish();
}

Status read_restart(const json* v, const std::string& path, crdt::RestartPolicy* p) {
  ObjectReader r(v, path);
  if (auto s = r.check_object(); !s) return s;
  std::string cond;
  if (auto s = read_string(r.take("Condition"), r.path("Condition"), &cond); !s) return s;
  if (cond == "none") p->condition = crdt::RestartCondition::kNone;
  else if (cond == "on-failure") p->condition = crdt::RestartCondition::kOnFailure;
  else if (cond == "any") p->condition = crdt::RestartCondition::kAny;
  else if (!cond.empty()) return bad(r.path("Condition"), "'" + cond + "' is not none, on-failure or any");
  if (auto s = read_duration_ms(r.take("Delay"), r.path("Delay"), &p->delay_ms); !s) return s;
  std::uint64_t attempts = p->max_attempts;
  if (auto s = read_u64(r.take("MaxAttempts"), r.path("MaxAttempts"), UINT32_MAX, &attempts); !s) return s;
  p->max_attempts = static_cast<std::uint32_t>(attempts);
  if (auto s = read_duration_ms(r.take("Window"), r.path("Window"), &p->window_ms); !s) return s;
  return r.finish();
}

// "node.labels.KEY==VALUE" / "!=": the only constraints shoal's placement knows.
Status read_constraint(const std::string& text, const std::string& path, crdt::Constraint* c) {
  auto trim = [](std::string s) {
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  };
  auto op = text.find("==");
  c->op = ConstraintOp::kEq;
  if (auto ne = text.find("!="); ne != std::string::npos && (op == std::string::npos || ne < op)) {
    op = ne;
    c->op = ConstraintOp::kNe;
  }
  if (op == std::string::npos) return bad(path, "'" + text + "' is not KEY==VALUE or KEY!=VALUE");
  std::string key = trim(text.substr(0, op));
  c->value = trim(text.substr(op + 2));
  const std::string prefix = "node.labels.";
  if (key.rfind(prefix, 0) != 0 || key.size() == prefix.size())
    return refused(path, "'" + text + "': shoal places by node.labels.* only");
  c->label = key.substr(prefix.size());
  return {};
}

Status read_placement(const json* v, const std::string& path, crdt::ServiceSpec* spec) {
  ObjectReader r(v, path);
  if (auto s = r.check_object(); !s) return s;
  std::vector<std::string> constraints;
  if (auto s = read_string_list(r.take("Constraints"), r.path("Constraints"), &constraints); !s) return s;
  for (const auto& text : constraints) {
    crdt::Constraint c;
    if (auto s = read_constraint(text, r.path("Constraints"), &c); !s) return s;
    spec->constraints.push_back(c);
  }
  const json* prefs = r.take("Preferences");
  if (prefs) {
    if (!prefs->is_array()) return bad(r.path("Preferences"), "must be a list");
    if (prefs->size() > 1) return refused(r.path("Preferences"), "shoal spreads over one label");
    for (const auto& p : *prefs) {
      ObjectReader pr(&p, r.path("Preferences"));
      ObjectReader spread(pr.take("Spread"), pr.path("Spread"));
      if (auto s = spread.check_object(); !s) return s;
      std::string desc;
      if (auto s = read_string(spread.take("SpreadDescriptor"), spread.path("SpreadDescriptor"), &desc); !s) return s;
      const std::string prefix = "node.labels.";
      if (desc.rfind(prefix, 0) != 0 || desc.size() == prefix.size())
        return refused(spread.path("SpreadDescriptor"), "'" + desc + "': shoal spreads over node.labels.* only");
      spec->spread_label = desc.substr(prefix.size());
      if (auto s = spread.finish(); !s) return s;
      if (auto s = pr.finish(); !s) return s;
    }
  }
  return r.finish();
}

Status read_update(const json* v, const std::string& path, crdt::UpdateConfig* u) {
  ObjectReader r(v, path);
  if (auto s = r.check_object(); !s) return s;
  std::uint64_t par = u->parallelism;
  if (auto s = read_u64(r.take("Parallelism"), r.path("Parallelism"), UINT32_MAX, &par); !s) return s;
  u->parallelism = static_cast<std::uint32_t>(par);
  if (auto s = read_duration_ms(r.take("Delay"), r.path("Delay"), &u->delay_ms); !s) return s;
  if (auto s = read_duration_ms(r.take("Monitor"), r.path("Monitor"), &u->monitor_ms); !s) return s;
  std::string action, order;
  if (auto s = read_string(r.take("FailureAction"), r.path("FailureAction"), &action); !s) return s;
  if (action == "pause") u->failure_action = FailureAction::kPause;
  else if (action == "continue") u->failure_action = FailureAction::kContinue;
  else if (action == "rollback") u->failure_action = FailureAction::kRollback;
  else if (!action.empty()) return bad(r.path("FailureAction"), "'" + action + "' is not pause, continue or rollback");
  if (const json* ratio = r.take("MaxFailureRatio")) {
    if (!ratio->is_number() || !(ratio->get<double>() >= 0.0 && ratio->get<double>() <= 1.0))
      return bad(r.path("MaxFailureRatio"), "must be a number from 0 to 1");
    u->max_failure_ratio = ratio->get<double>();
  }
  if (auto s = read_string(r.take("Order"), r.path("Order"), &order); !s) return s;
  if (order == "stop-first") u->order = UpdateOrder::kStopFirst;
  else if (order == "start-first") u->order = UpdateOrder::kStartFirst;
  else if (!order.empty()) return bad(r.path("Order"), "'" + order + "' is not stop-first or start-first");
  return r.finish();
}

Status read_mode(const json* v, const std::string& path, crdt::ServiceSpec* spec) {
  ObjectReader r(v, path);
  if (auto s = r.check_object(); !s) return s;
  const json* replicated = r.take("Replicated");
  const json* global = r.take("Global");
  if (replicated && global) return bad(path, "give Replicated or Global, not both");
  if (global) {
    spec->mode = ServiceMode::kGlobal;
    if (auto s = ObjectReader(global, r.path("Global")).finish(); !s) return s;
  } else if (replicated) {
    ObjectReader rr(replicated, r.path("Replicated"));
    if (auto s = rr.check_object(); !s) return s;
    std::uint64_t n = 1;
    if (auto s = read_u64(rr.take("Replicas"), rr.path("Replicas"), UINT32_MAX, &n); !s) return s;
    spec->mode = ServiceMode::kReplicated;
    spec->replicas = static_cast<std::uint32_t>(n);
    if (auto s = rr.finish(); !s) return s;
  }
  return r.finish();  // ReplicatedJob, GlobalJob: refused here, by name
}

Status read_endpoint(const json* v, const std::string& path, crdt::ServiceSpec* spec) {
  ObjectReader r(v, path);
  if (auto s = r.check_object(); !s) return s;
  if (auto s = expect_only(r.take("Mode"), r.path("Mode"), {"vip", ""}); !s) return s;
  const json* ports = r.take("Ports");
  if (ports) {
    if (!ports->is_array()) return bad(r.path("Ports"), "must be a list");
    for (const auto& p : *ports) {
      ObjectReader pr(&p, r.path("Ports"));
      if (auto s = pr.check_object(); !s) return s;
      crdt::PublishedPort port;
      std::string proto;
      if (auto s = read_string(pr.take("Protocol"), pr.path("Protocol"), &proto); !s) return s;
      if (proto == "udp") port.protocol = crdt::PortProtocol::kUdp;
      else if (!proto.empty() && proto != "tcp") return refused(pr.path("Protocol"), "'" + proto + "': tcp and udp only");
      std::uint64_t target = 0, published = 0;
      if (auto s = read_u64(pr.take("TargetPort"), pr.path("TargetPort"), 65535, &target); !s) return s;
      if (auto s = read_u64(pr.take("PublishedPort"), pr.path("PublishedPort"), 65535, &published); !s) return s;
      if (published == 0) return refused(pr.path("PublishedPort"), "shoal does not pick published ports: give one");
      if (auto s = expect_only(pr.take("PublishMode"), pr.path("PublishMode"), {"ingress", ""}); !s) return s;
      port.target = static_cast<std::uint16_t>(target);
      port.published = static_cast<std::uint16_t>(published);
      spec->ports.push_back(port);
      if (auto s = pr.finish(); !s) return s;
    }
  }
  return r.finish();
}

Status read_task_template(const json* v, const std::string& path, DockerServiceSpec* out) {
  ObjectReader r(v, path);
  if (auto s = r.check_object(); !s) return s;
  if (!v) return bad(path, "is required");
  if (auto s = read_container(r.take("ContainerSpec"), r.path("ContainerSpec"), out); !s) return s;
  if (auto s = read_resources(r.take("Resources"), r.path("Resources"), &out->spec.reservations); !s) return s;
  if (auto s = read_restart(r.take("RestartPolicy"), r.path("RestartPolicy"), &out->spec.restart); !s) return s;
  if (auto s = read_placement(r.take("Placement"), r.path("Placement"), &out->spec); !s) return s;
  if (auto s = read_u64(r.take("ForceUpdate"), r.path("ForceUpdate"), UINT64_MAX / 2, &out->force_update); !s) return s;
  if (auto s = expect_only(r.take("Runtime"), r.path("Runtime"), {"container", ""}); !s) return s;
  return r.finish();
}

}  // namespace

Result<DockerServiceSpec> service_spec_from_docker(const json& body) {
  if (!body.is_object()) return make_error("a ServiceSpec must be a JSON object");
  DockerServiceSpec out;
  ObjectReader r(&body, "");
  if (auto s = read_string(r.take("Name"), "Name", &out.name); !s) return s.error();
  if (out.name.empty()) return make_error("ServiceSpec field Name is required (shoal services are named)");
  if (auto s = read_string_map(r.take("Labels"), "Labels", &out.spec.labels); !s) return s.error();
  if (auto s = read_task_template(r.take("TaskTemplate"), "TaskTemplate", &out); !s) return s.error();
  if (auto s = read_mode(r.take("Mode"), "Mode", &out.spec); !s) return s.error();
  if (auto s = read_update(r.take("UpdateConfig"), "UpdateConfig", &out.spec.update); !s) return s.error();
  if (auto s = read_update(r.take("RollbackConfig"), "RollbackConfig", &out.spec.rollback); !s) return s.error();
  if (auto s = read_endpoint(r.take("EndpointSpec"), "EndpointSpec", &out.spec); !s) return s.error();
  if (auto s = r.finish(); !s) return s.error();  // Networks, ...
  return out;
}

namespace {

json update_to_docker(const crdt::UpdateConfig& u) {
  return {{"Parallelism", u.parallelism}, {"Delay", ms_to_ns(u.delay_ms)}, {"FailureAction", to_string(u.failure_action)},
          {"Monitor", ms_to_ns(u.monitor_ms)}, {"MaxFailureRatio", u.max_failure_ratio}, {"Order", to_string(u.order)}};
}

}  // namespace

json service_spec_to_docker(const std::string& name, const crdt::ServiceSpec& spec) {
  const crdt::TaskSpec& t = spec.task;
  json container = json::object();
  json labels = json::object();
  if (!t.image.empty()) {
    container["Image"] = t.image;
    if (!t.entrypoint.empty()) container["Command"] = t.entrypoint;
    json args = json::array();
    if (!t.command.empty()) args.push_back(t.command);
    for (const auto& a : t.args) args.push_back(a);
    if (!args.empty()) container["Args"] = args;
    if (!t.workdir.empty()) container["Dir"] = t.workdir;
    if (!t.user.empty()) container["User"] = t.user;
  } else {
    container["Image"] = t.driver == crdt::Driver::kOci ? kRootfsImage : kProcessImage;
    if (t.driver == crdt::Driver::kOci) labels[kRootfsLabel] = t.rootfs;
    json args = json::array({t.command});
    for (const auto& a : t.args) args.push_back(a);
    container["Args"] = args;
  }
  container["Labels"] = labels;
  json env = json::array();
  for (const auto& [k, v] : t.env) env.push_back(k + "=" + v);
  container["Env"] = env;
  container["Isolation"] = "default";
  if (!spec.health.command.empty())
    container["Healthcheck"] = {{"Test", {"CMD-SHELL", spec.health.command}},
                                {"Interval", ms_to_ns(spec.health.interval_ms)},
                                {"Timeout", ms_to_ns(spec.health.timeout_ms)},
                                {"Retries", spec.health.retries},
                                {"StartPeriod", ms_to_ns(spec.health.start_period_ms)}};
  else if (spec.health.no_image_check)
    container["Healthcheck"] = {{"Test", {"NONE"}}};
  json constraints = json::array();
  for (const auto& c : spec.constraints)
    constraints.push_back("node.labels." + c.label + (c.op == ConstraintOp::kEq ? "==" : "!=") + c.value);
  json placement = {{"Constraints", constraints}};
  if (!spec.spread_label.empty())
    placement["Preferences"] = json::array({{{"Spread", {{"SpreadDescriptor", "node.labels." + spec.spread_label}}}}});
  json task = {
      {"ContainerSpec", container},
      {"Resources", {{"Limits", json::object()},
                     {"Reservations", {{"NanoCPUs", spec.reservations.cpu_millis * 1'000'000},
                                       {"MemoryBytes", spec.reservations.memory_bytes}}}}},
      {"RestartPolicy", {{"Condition", crdt::to_string(spec.restart.condition)},
                         {"Delay", ms_to_ns(spec.restart.delay_ms)},
                         {"MaxAttempts", spec.restart.max_attempts},
                         {"Window", ms_to_ns(spec.restart.window_ms)}}},
      {"Placement", placement},
      {"ForceUpdate", 0},
      {"Runtime", "container"}};
  json mode = spec.mode == ServiceMode::kGlobal ? json{{"Global", json::object()}}
                                                : json{{"Replicated", {{"Replicas", spec.replicas}}}};
  json ports = json::array();
  for (const auto& p : spec.ports)
    ports.push_back({{"Protocol", crdt::to_string(p.protocol)}, {"TargetPort", p.target}, {"PublishedPort", p.published},
                     {"PublishMode", "ingress"}});
  json service_labels = json::object();
  for (const auto& [k, v] : spec.labels) service_labels[k] = v;
  return {{"Name", name},
          {"Labels", service_labels},
          {"TaskTemplate", task},
          {"Mode", mode},
          {"UpdateConfig", update_to_docker(spec.update)},
          {"RollbackConfig", update_to_docker(spec.rollback)},
          {"EndpointSpec", {{"Mode", "vip"}, {"Ports", ports}}}};
}

}  // namespace shoal
