#include "agent/service_flags.h"

#include <charconv>

#include "common/shell_words.h"
#include "common/units.h"

namespace shoal {

namespace {

Result<std::uint64_t> parse_uint(const std::string& flag, const std::string& text, std::uint64_t max) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v > max)
    return make_error(flag + ": '" + text + "' is not a whole number from 0 to " + std::to_string(max));
  return v;
}

Result<std::uint64_t> duration(const std::string& flag, const std::string& text) {
  auto d = parse_duration_ms(text);
  if (!d) return make_error(flag + ": " + d.message());
  return *d;
}

Result<crdt::Constraint> parse_constraint(const std::string& text) {
  // node.labels.K==V or node.labels.K!=V
  const std::string prefix = "node.labels.";
  auto bad = [&] {
    return make_error("--constraint: '" + text + "' is not node.labels.KEY==VALUE or node.labels.KEY!=VALUE");
  };
  if (text.rfind(prefix, 0) != 0) return bad();
  std::string rest = text.substr(prefix.size());
  crdt::Constraint c;
  auto pos = rest.find("==");
  c.op = crdt::ConstraintOp::kEq;
  if (pos == std::string::npos) {
    pos = rest.find("!=");
    c.op = crdt::ConstraintOp::kNe;
  }
  if (pos == std::string::npos || pos == 0) return bad();
  c.label = rest.substr(0, pos);
  c.value = rest.substr(pos + 2);
  return c;
}

Result<crdt::PublishedPort> parse_publish(const std::string& text) {
  auto bad = [&] { return make_error("--publish: '" + text + "' is not PUBLISHED:TARGET[/tcp|/udp] (e.g. 8080:80)"); };
  crdt::PublishedPort p;
  std::string body = text;
  if (auto slash = body.find('/'); slash != std::string::npos) {
    std::string proto = body.substr(slash + 1);
    if (proto == "tcp") p.protocol = crdt::PortProtocol::kTcp;
    else if (proto == "udp") p.protocol = crdt::PortProtocol::kUdp;
    else return bad();
    body.resize(slash);
  }
  auto colon = body.find(':');
  if (colon == std::string::npos) return bad();
  auto pub = parse_uint("--publish", body.substr(0, colon), 65535);
  auto tgt = parse_uint("--publish", body.substr(colon + 1), 65535);
  if (!pub || !tgt || *pub == 0 || *tgt == 0) return bad();
  p.published = static_cast<std::uint16_t>(*pub);
  p.target = static_cast<std::uint16_t>(*tgt);
  return p;
}

Status apply_update_flags(crdt::UpdateConfig& u, const ParsedFlags& f, const std::string& prefix) {
  if (f.has(prefix + "-parallelism")) {
    auto v = parse_uint(prefix + "-parallelism", f.get(prefix + "-parallelism"), 100000);
    if (!v) return v.error();
    u.parallelism = static_cast<std::uint32_t>(*v);
  }
  if (f.has(prefix + "-delay")) {
    auto v = duration(prefix + "-delay", f.get(prefix + "-delay"));
    if (!v) return v.error();
    u.delay_ms = *v;
  }
  if (f.has(prefix + "-monitor")) {
    auto v = duration(prefix + "-monitor", f.get(prefix + "-monitor"));
    if (!v) return v.error();
    u.monitor_ms = *v;
  }
  if (f.has(prefix + "-failure-action")) {
    std::string a = f.get(prefix + "-failure-action");
    if (a == "pause") u.failure_action = crdt::FailureAction::kPause;
    else if (a == "continue") u.failure_action = crdt::FailureAction::kContinue;
    else if (a == "rollback" && prefix == "--update") u.failure_action = crdt::FailureAction::kRollback;
    else return make_error(prefix + "-failure-action: '" + a + "' is not pause, continue" +
                           (prefix == "--update" ? " or rollback" : ""));
  }
  if (f.has(prefix + "-max-failure-ratio")) {
    std::string t = f.get(prefix + "-max-failure-ratio");
    char* end = nullptr;
    double r = std::strtod(t.c_str(), &end);
    if (t.empty() || *end != '\0' || !(r >= 0.0 && r <= 1.0))
      return make_error(prefix + "-max-failure-ratio: '" + t + "' is not a number from 0 to 1");
    u.max_failure_ratio = r;
  }
  if (f.has(prefix + "-order")) {
    std::string o = f.get(prefix + "-order");
    if (o == "stop-first") u.order = crdt::UpdateOrder::kStopFirst;
    else if (o == "start-first") u.order = crdt::UpdateOrder::kStartFirst;
    else return make_error(prefix + "-order: '" + o + "' is not stop-first or start-first");
  }
  return {};
}

// Service labels as docker sets them: `create --label K=V` (or `--label K`, an empty value),
// `update --label-add K=V --label-rm K`.
Status apply_label_flags(std::map<std::string, std::string>& labels, const ParsedFlags& f, bool creating) {
  if (!creating && f.has("--label"))
    return make_error("--label is for service create; update takes --label-add KEY=VALUE and --label-rm KEY");
  if (creating && (f.has("--label-add") || f.has("--label-rm")))
    return make_error("--label-add and --label-rm are for service update; create takes --label KEY=VALUE");
  for (const auto& key : f.all("--label-rm")) labels.erase(key);
  for (const auto& text : f.all(creating ? "--label" : "--label-add")) {
    const auto eq = text.find('=');
    if (eq == 0 || text.empty())
      return make_error(std::string(creating ? "--label" : "--label-add") + ": '" + text + "' is not KEY=VALUE");
    labels[text.substr(0, eq)] = eq == std::string::npos ? "" : text.substr(eq + 1);
  }
  return {};
}

Status apply_placement_flags(crdt::ServiceSpec& s, const ParsedFlags& f, bool creating) {
  if (f.has("--mode")) {
    if (!creating) return make_error("--mode cannot change after create; remove and re-create the service");
    std::string m = f.get("--mode");
    if (m == "replicated") s.mode = crdt::ServiceMode::kReplicated;
    else if (m == "global") s.mode = crdt::ServiceMode::kGlobal;
    else return make_error("--mode: '" + m + "' is not replicated or global");
  }
  if (f.has("--replicas")) {
    if (s.mode == crdt::ServiceMode::kGlobal) return make_error("--replicas does not apply to a global service");
    auto v = parse_uint("--replicas", f.get("--replicas"), 100000);
    if (!v) return v.error();
    s.replicas = static_cast<std::uint32_t>(*v);
  }
  if (f.has("--cpu")) {
    auto v = parse_cpu_millis(f.get("--cpu"));
    if (!v) return make_error("--cpu: " + v.message());
    s.reservations.cpu_millis = *v;
  }
  if (f.has("--memory")) {
    auto v = parse_size_bytes(f.get("--memory"));
    if (!v) return make_error("--memory: " + v.message());
    s.reservations.memory_bytes = *v;
  }
  if (f.has("--constraint")) s.constraints.clear();
  for (const auto& c : f.all("--constraint")) {
    auto parsed = parse_constraint(c);
    if (!parsed) return parsed.error();
    s.constraints.push_back(*parsed);
  }
  if (f.has("--on-partition")) {
    std::string p = f.get("--on-partition");
    if (p == "duplicate") s.partition.on_partition = OnPartition::kDuplicate;
    else if (p == "majority") s.partition.on_partition = OnPartition::kMajority;
    else if (p == "pinned") s.partition.on_partition = OnPartition::kPinned;
    else return make_error("--on-partition: '" + p + "' is not duplicate, majority or pinned");
  }
  if (f.has("--isolation-timeout")) {
    auto v = duration("--isolation-timeout", f.get("--isolation-timeout"));
    if (!v) return v.error();
    s.partition.isolation_timeout_ms = *v;
  }
  if (f.has("--spread")) {
    std::string sp = f.get("--spread");
    const std::string prefix = "node.labels.";
    if (sp.rfind(prefix, 0) != 0 || sp.size() == prefix.size())
      return make_error("--spread: '" + sp + "' is not node.labels.KEY");
    s.spread_label = sp.substr(prefix.size());
  }
  return {};
}

// The image form: `IMAGE [COMMAND [ARG...]]` positionals on create, --image on update, and the
// options that override the image's config.
Status apply_image_flags(crdt::TaskSpec& t, const ParsedFlags& f, bool creating) {
  std::string image = f.get("--image");
  if (creating && !f.has_dashdash && !f.positional.empty() && image.empty()) {
    if (f.positional.size() > 1 && f.positional[1] == "--")
      return make_error("the service name goes in --name: service create --name " + f.positional[0] + " -- " +
                        (f.positional.size() > 2 ? f.positional[2] : "CMD") + " ...");
    image = f.positional[0];
    if (f.positional.size() > 1) {
      t.command = f.positional[1];
      t.args.assign(f.positional.begin() + 2, f.positional.end());
    }
  }
  if (!image.empty()) {
    t.image = image;
    t.driver = crdt::Driver::kOci;
    t.rootfs.clear();
  }
  if (f.has("--entrypoint")) {
    auto words = split_words("--entrypoint", f.get("--entrypoint"));
    if (!words) return words.error();
    t.entrypoint = std::move(*words);
  }
  if (f.has("--workdir")) t.workdir = f.get("--workdir");
  if (f.has("--user")) t.user = f.get("--user");
  return {};
}

Status apply_task_flags(crdt::ServiceSpec& s, const ParsedFlags& f) {
  if (f.has("--publish")) s.ports.clear();
  for (const auto& p : f.all("--publish")) {
    auto parsed = parse_publish(p);
    if (!parsed) return parsed.error();
    s.ports.push_back(*parsed);
  }
  for (const auto& e : f.all("--env")) {
    auto eq = e.find('=');
    if (eq == std::string::npos || eq == 0) return make_error("--env: '" + e + "' is not KEY=VALUE");
    s.task.env[e.substr(0, eq)] = e.substr(eq + 1);
  }
  if (f.has("--rootfs")) {
    s.task.driver = crdt::Driver::kOci;
    s.task.rootfs = f.get("--rootfs");
  }
  if (f.has("--no-healthcheck")) s.health.no_image_check = true;
  if (f.has("--health-cmd")) s.health.command = f.get("--health-cmd");
  const std::pair<const char*, std::uint64_t*> health_durations[] = {
      {"--health-interval", &s.health.interval_ms}, {"--health-timeout", &s.health.timeout_ms},
      {"--health-start-period", &s.health.start_period_ms}, {"--restart-delay", &s.restart.delay_ms},
      {"--restart-window", &s.restart.window_ms}};
  for (auto [flag, field] : health_durations) {
    if (!f.has(flag)) continue;
    auto v = duration(flag, f.get(flag));
    if (!v) return v.error();
    *field = *v;
  }
  if (f.has("--health-retries")) {
    auto v = parse_uint("--health-retries", f.get("--health-retries"), 1000);
    if (!v) return v.error();
    s.health.retries = static_cast<std::uint32_t>(*v);
  }
  if (f.has("--restart-condition")) {
    std::string c = f.get("--restart-condition");
    if (c == "on-failure") s.restart.condition = crdt::RestartCondition::kOnFailure;
    else if (c == "any") s.restart.condition = crdt::RestartCondition::kAny;
    else if (c == "none") s.restart.condition = crdt::RestartCondition::kNone;
    else return make_error("--restart-condition: '" + c + "' is not on-failure, any or none");
  }
  if (f.has("--restart-max-attempts")) {
    auto v = parse_uint("--restart-max-attempts", f.get("--restart-max-attempts"), 1000000);
    if (!v) return v.error();
    s.restart.max_attempts = static_cast<std::uint32_t>(*v);
  }
  if (f.has_dashdash) {
    if (f.after_dashdash.empty()) return make_error("nothing after `--`: give the command to run");
    s.task.command = f.after_dashdash[0];
    s.task.args.assign(f.after_dashdash.begin() + 1, f.after_dashdash.end());
  }
  return {};
}

}  // namespace

FlagSpec service_flag_spec() {
  FlagSpec spec;
  spec.with_value = {"--name", "--replicas", "--mode", "--cpu", "--memory", "--constraint", "--spread",
                     "--publish", "--env", "--rootfs", "--health-cmd", "--health-interval",
                     "--health-timeout", "--health-retries", "--health-start-period",
                     "--restart-condition", "--restart-delay", "--restart-max-attempts", "--restart-window",
                     "--format", "--image", "--entrypoint", "--workdir", "--user", "--label", "--label-add",
                     "--label-rm", "--on-partition", "--isolation-timeout"};
  for (const char* p : {"--update", "--rollback"})
    for (const char* k : {"-parallelism", "-delay", "-monitor", "-failure-action", "-max-failure-ratio", "-order"})
      spec.with_value.insert(std::string(p) + k);
  // --no-resolve-image is the accepting node's (store the tag, do not pin a digest), not the spec's.
  spec.switches = {"--detach", "--no-healthcheck", "--no-resolve-image"};
  return spec;
}

Result<crdt::ServiceSpec> apply_service_flags(crdt::ServiceSpec base, const ParsedFlags& f, bool creating) {
  if (auto s = apply_label_flags(base.labels, f, creating); !s) return s.error();
  if (auto s = apply_placement_flags(base, f, creating); !s) return s.error();
  if (auto s = apply_update_flags(base.update, f, "--update"); !s) return s.error();
  if (auto s = apply_update_flags(base.rollback, f, "--rollback"); !s) return s.error();
  if (auto s = apply_task_flags(base, f); !s) return s.error();
  if (auto s = apply_image_flags(base.task, f, creating); !s) return s.error();
  if (creating && base.task.command.empty() && base.task.image.empty())
    return make_error("service create: give an IMAGE [COMMAND [ARG...]], or the command to run after `--` "
                      "(e.g. -- sleep 1000)");
  return base;
}

}  // namespace shoal
