// API verbs on the desired state: service create/ls/inspect/scale/update/rollback/rm,
// node ls/update, state dump. Every write is applied to the local replica, persisted, then
// gossiped; it is accepted whatever this node can reach (that is the point of shoal).
#include <algorithm>
#include <charconv>
#include <functional>
#include <optional>

#include "agent/agent_impl.h"
#include "agent/command_util.h"
#include "agent/network_view.h"
#include "crdt/service_ops.h"
#include "agent/service_flags.h"
#include "agent/table.h"
#include "common/json_writer.h"
#include "common/units.h"
#include "crdt/state_json.h"

namespace shoal {

namespace {


std::string memory_text(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fGiB", static_cast<double>(bytes) / (1ull << 30));
  return buf;
}

}  // namespace

// Commits a write (acknowledged once durable), or turns its error into the CLI's one-line failure.
ApiResponse finish_write(Agent& agent, node::WriteOp op, const std::string& done) {
  if (auto s = agent.commit_write(std::move(op)); !s) return fail(s.message());
  return ok(done + "\n");
}

namespace {

// Is `node` alive (or suspect) in our view? A dead node's last task status stays in the state
// (only it may write it), so counting it would show 4/3 after a failover.
bool runs_now(Agent& agent, const NodeId& node) {
  auto m = agent.swim().member(node);
  return m && (m->status == membership::MemberStatus::kAlive || m->status == membership::MemberStatus::kSuspect);
}

std::uint32_t running_tasks(Agent& agent, const crdt::DesiredState& state, const crdt::Service& svc) {
  std::uint32_t n = 0;
  for (const auto& [runner, task] : state.all_tasks())
    if (task->service == svc.name && runs_now(agent, runner) &&
        (task->state == crdt::TaskState::kRunning || task->state == crdt::TaskState::kHealthy))
      ++n;
  return n;
}

std::string command_text(const crdt::ServiceSpec& spec) {
  std::string s = !spec.task.image.empty()                ? spec.task.image + " "
                  : spec.task.driver == crdt::Driver::kOci ? "[oci " + spec.task.rootfs + "] "
                                                           : "";
  s += spec.task.command;
  for (const auto& a : spec.task.args) s += " " + a;
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

}  // namespace

// Replaces the image text the user gave with the pinned reference (see cmd_service).
Status pin_image(crdt::ServiceSpec& spec, const crdt::ServiceSpec* before, const ImagePins& pinned) {
  if (spec.task.image.empty() || (before && before->task.image == spec.task.image)) return {};
  auto it = pinned.find(spec.task.image);
  if (it == pinned.end()) return make_error("image " + spec.task.image + " was not resolved (internal)");
  spec.task.image = it->second;
  return {};
}

namespace {

ApiResponse service_create(Agent& agent, const ParsedFlags& f, const ImagePins& pinned) {
  auto spec = apply_service_flags(crdt::ServiceSpec{}, f, true);
  if (!spec) return fail("service create: " + spec.message(), 2);
  std::string name = f.get("--name");
  if (name.empty()) return fail("service create: give --name NAME", 2);
  if (auto p = pin_image(*spec, nullptr, pinned); !p) return fail("service create: " + p.message());
  return create_service_with(agent, name, std::move(*spec));
}

ApiResponse service_update(Agent& agent, const ParsedFlags& f, const ImagePins& pinned) {
  if (f.positional.size() != 1) return fail("service update: give exactly one service NAME", 2);
  const std::string& name = f.positional[0];
  const crdt::Service* current = agent.state().service(name);
  if (!current) return fail("service update: no service named " + name);
  auto spec = apply_service_flags(current->spec, f, false);
  if (!spec) return fail("service update: " + spec.message(), 2);
  if (auto p = pin_image(*spec, &current->spec, pinned); !p) return fail("service update: " + p.message());
  return finish_write(
      agent, [&](crdt::Replica& r) { return r.update_service(agent.now().wall_ms, name, std::move(*spec)); }, name);
}

ApiResponse service_scale(Agent& agent, const ParsedFlags& f) {
  if (f.positional.empty()) return fail("service scale: give NAME=REPLICAS", 2);
  std::string out;
  for (const auto& arg : f.positional) {
    auto eq = arg.find('=');
    std::uint32_t n = 0;
    const char* first = arg.data() + (eq == std::string::npos ? 0 : eq + 1);
    const char* last = arg.data() + arg.size();
    auto [p, ec] = std::from_chars(first, last, n);
    if (eq == std::string::npos || eq == 0 || ec != std::errc() || p != last)
      return fail("service scale: '" + arg + "' is not NAME=REPLICAS (e.g. web=3)", 2);
    std::string name = arg.substr(0, eq);
    auto r = finish_write(
        agent, [&](crdt::Replica& r) { return r.scale_service(agent.now().wall_ms, name, n); },
        name + " scaled to " + std::to_string(n));
    if (r.exit_code != 0) return r;
    out += r.out;
  }
  return ok(out);
}

// `--filter label=KEY[=VALUE]` and `--filter name=PREFIX`, as `docker service ls` reads them;
// several filters must all match.
Result<std::function<bool(const crdt::Service&)>> service_filter(const std::vector<std::string>& filters) {
  std::vector<std::function<bool(const crdt::Service&)>> tests;
  for (const auto& text : filters) {
    const auto eq = text.find('=');
    const std::string kind = text.substr(0, eq), value = eq == std::string::npos ? "" : text.substr(eq + 1);
    if (kind == "label" && !value.empty()) {
      const auto veq = value.find('=');
      const std::string key = value.substr(0, veq);
      const std::optional<std::string> want =
          veq == std::string::npos ? std::nullopt : std::optional<std::string>(value.substr(veq + 1));
      tests.push_back([key, want](const crdt::Service& s) {
        auto it = s.spec.labels.find(key);
        return it != s.spec.labels.end() && (!want || it->second == *want);
      });
    } else if (kind == "name" && !value.empty()) {
      tests.push_back([value](const crdt::Service& s) { return s.name.rfind(value, 0) == 0; });
    } else {
      return make_error("--filter: '" + text + "' is not label=KEY[=VALUE] or name=PREFIX");
    }
  }
  return std::function<bool(const crdt::Service&)>([tests](const crdt::Service& s) {
    return std::all_of(tests.begin(), tests.end(), [&](const auto& t) { return t(s); });
  });
}

}  // namespace

ApiResponse service_ls(Agent& agent, const ParsedFlags& f) {
  auto json = want_json(f);
  if (!json) return fail(json.message(), 2);
  auto matches = service_filter(f.all("--filter"));
  if (!matches) return fail("service ls: " + matches.message(), 2);
  const auto& state = agent.state();
  std::size_t nodes = agent.swim().num_alive();
  JsonWriter j;
  j.begin_array();
  std::vector<std::vector<std::string>> rows{{"NAME", "MODE", "REPLICAS", "VERSION", "COMMAND"}};
  for (const crdt::Service* svc : state.all_services()) {
    if (!(*matches)(*svc)) continue;
    bool global = svc->spec.mode == crdt::ServiceMode::kGlobal;
    std::uint64_t desired = global ? nodes : svc->spec.replicas;
    std::uint32_t running = running_tasks(agent, state, *svc);
    j.begin_object().field("name", svc->name).field("mode", crdt::to_string(svc->spec.mode))
        .field("replicas", desired).field("running", static_cast<std::uint64_t>(running))
        .field("version", svc->version).field("command", command_text(svc->spec)).end_object();
    rows.push_back({svc->name, crdt::to_string(svc->spec.mode),
                    std::to_string(running) + "/" + std::to_string(desired), std::to_string(svc->version),
                    command_text(svc->spec)});
  }
  j.end_array();
  return ok(*json ? j.str() + "\n" : render_table(rows));
}

namespace {

ApiResponse service_inspect(Agent& agent, const ParsedFlags& f) {
  if (f.positional.empty()) return fail("service inspect: give a service NAME", 2);
  JsonWriter j;
  j.begin_array();
  for (const auto& name : f.positional) {
    const crdt::Service* svc = agent.state().service(name);
    if (!svc) return fail("service inspect: no service named " + name);
    crdt::write_service_json(j, *svc);
  }
  j.end_array();
  return ok(j.str() + "\n");
}

// `--to WRITER:N`: a journal entry `service history` lists (a write a merge discarded).
Result<crdt::Dot> parse_journal_entry(const std::string& text) {
  const auto colon = text.rfind(':');
  const std::string hint = "--to: '" + text + "' is not a journal entry WRITER:N (`shoal service history` lists them)";
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return make_error(hint);
  auto n = parse_uint("--to", text.substr(colon + 1), UINT64_MAX);
  if (!n || *n == 0) return make_error(hint);
  return crdt::Dot{NodeId{text.substr(0, colon)}, *n};
}

ApiResponse service_rollback(Agent& agent, const ParsedFlags& f) {
  if (f.positional.size() != 1) return fail("service rollback: give exactly one service NAME", 2);
  const std::string& name = f.positional[0];
  if (f.has("--to")) {
    auto entry = parse_journal_entry(f.get("--to"));
    if (!entry) return fail(entry.message(), 2);
    return finish_write(agent, [&](crdt::Replica& r) { return r.restore_conflict(agent.now().wall_ms, name, *entry); },
                        name);
  }
  return finish_write(agent, [&](crdt::Replica& r) { return r.rollback_service(agent.now().wall_ms, name); }, name);
}

ApiResponse service_rm(Agent& agent, const ParsedFlags& f) {
  if (f.positional.empty()) return fail("service rm: give a service NAME", 2);
  std::string out;
  for (const auto& name : f.positional) {
    auto r = finish_write(agent, [&](crdt::Replica& r) { return r.remove_service(agent.now().wall_ms, name); }, name);
    if (r.exit_code != 0) return r;
    out += r.out;
  }
  return ok(out);
}

}  // namespace

ApiResponse create_service_with(Agent& agent, const std::string& name, crdt::ServiceSpec spec) {
  // The VIP is picked by the creating node and stored with the service (its claim), so it is
  // stable and `service inspect` shows it. Picked even with --network host: another node may
  // run the overlay.
  const std::uint64_t now = agent.now().wall_ms;
  std::string vip;
  if (crdt::validate_service_name(name).ok()) {
    auto picked = pick_vip_for_new_service(NetworkPools{}.vip_pool, agent.state(), name, now);
    if (picked) vip = to_string(*picked);
  }
  return finish_write(
      agent, [&](crdt::Replica& r) { return r.create_service(now, name, std::move(spec), vip); }, name);
}

Result<NamedImage> image_named_by(const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "create" && args[0] != "update")) return NamedImage{};
  FlagSpec spec = service_flag_spec();
  spec.stop_at_positional = args[0] == "create";
  auto f = parse_flags("service " + args[0], {args.begin() + 1, args.end()}, spec);
  if (!f) return f.error();
  NamedImage out;
  out.no_resolve = f->has("--no-resolve-image");
  out.text = f->get("--image");
  if (out.text.empty() && args[0] == "create" && !f->has_dashdash && !f->positional.empty()) out.text = f->positional[0];
  return out;
}

ApiResponse cmd_service(Agent& agent, const std::vector<std::string>& args, const ImagePins& pinned) {
  if (args.empty()) return fail("service: give create, ls, inspect, history, ps, scale, update, rollback, rm or logs", 2);
  const std::string& verb = args[0];
  FlagSpec spec = (verb == "create" || verb == "update") ? service_flag_spec() : FlagSpec{{"--format", "--filter"}, {"--detach"}};
  if (verb == "rollback") spec.with_value.insert("--to");
  spec.stop_at_positional = verb == "create";
  auto f = parse_flags("service " + verb, {args.begin() + 1, args.end()}, spec);
  if (!f) return fail(f.message(), 2);
  if (verb == "create") return service_create(agent, *f, pinned);
  if (verb == "update") return service_update(agent, *f, pinned);
  if (verb == "scale") return service_scale(agent, *f);
  if (verb == "ls") return service_ls(agent, *f);
  if (verb == "inspect") return service_inspect(agent, *f);
  if (verb == "history") return service_history(agent, *f);
  if (verb == "rollback") return service_rollback(agent, *f);
  if (verb == "rm") return service_rm(agent, *f);
  if (verb == "ps") return agent.service_ps(*f);
  if (verb == "progress") return agent.service_progress(*f);
  return fail("service: unknown subcommand '" + verb + "'", 2);
}

ApiResponse cmd_node(Agent& agent, const std::vector<std::string>& args) {
  if (args.empty()) return fail("node: give ls or update", 2);
  auto f = parse_flags("node " + args[0], {args.begin() + 1, args.end()}, {{"--format", "--availability"}, {}});
  if (!f) return fail(f.message(), 2);
  const auto& state = agent.state();
  if (args[0] == "ls") {
    auto json = want_json(*f);
    if (!json) return fail(json.message(), 2);
    std::map<std::string, std::uint64_t> tasks_on;
    for (const auto& [runner, task] : state.all_tasks())
      if (task->state != crdt::TaskState::kShutdown && task->state != crdt::TaskState::kFailed &&
          runs_now(agent, runner))
        ++tasks_on[runner.name];
    JsonWriter j;
    j.begin_array();
    std::vector<std::vector<std::string>> rows{{"NAME", "STATUS", "AVAILABILITY", "TASKS", "CPU", "MEMORY", "LABELS"}};
    for (const auto& m : agent.swim().members()) {
      const char* avail = crdt::to_string(state.availability_of(m.id));
      j.begin_object().field("name", m.id.name).field("status", membership::status_name(m.status))
          .field("availability", avail).key("labels").begin_object();
      for (const auto& [k, v] : m.meta.labels) j.field(k, v);
      j.end_object().field("cpu", static_cast<double>(m.meta.cpu_millis) / 1000.0)
          .field("memory", m.meta.memory_bytes).field("tasks", tasks_on[m.id.name]).end_object();
      rows.push_back({m.id.name, membership::status_name(m.status), avail, std::to_string(tasks_on[m.id.name]),
                      std::to_string(m.meta.cpu_millis / 1000.0).substr(0, 4), memory_text(m.meta.memory_bytes),
                      labels_text(m.meta.labels)});
    }
    j.end_array();
    return ok(*json ? j.str() + "\n" : render_table(rows));
  }
  if (args[0] == "update") {
    if (f->positional.size() != 1) return fail("node update: give exactly one NODE", 2);
    std::string a = f->get("--availability");
    crdt::Availability value;
    if (a == "active") value = crdt::Availability::kActive;
    else if (a == "pause") value = crdt::Availability::kPause;
    else if (a == "drain") value = crdt::Availability::kDrain;
    else return fail("node update: --availability must be active, pause or drain", 2);
    auto node = parse_node_id(f->positional[0]);
    if (!node) return fail("node update: " + node.message(), 2);
    if (!agent.swim().member(*node)) return fail("node update: no node named " + node->name);
    return finish_write(
        agent,
        [&](crdt::Replica& r) -> Result<crdt::DesiredState> { return r.set_availability(agent.now().wall_ms, *node, value); },
        node->name);
  }
  return fail("node: unknown subcommand '" + args[0] + "'", 2);
}

ApiResponse cmd_state(Agent& agent, const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "dump") return fail("state: give dump --format json", 2);
  auto f = parse_flags("state dump", {args.begin() + 1, args.end()}, {{"--format"}, {}});
  if (!f) return fail(f.message(), 2);
  if (f->get("--format", "json") != "json") return fail("state dump: only --format json is supported", 2);
  return ok(crdt::dump_state_json(agent.state()) + "\n");
}

}  // namespace shoal
