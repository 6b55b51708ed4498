// `shoal stack deploy|ls|services|rm`: a stack is the services labelled
// com.docker.stack.namespace=NAME, as Swarm's. The CLI reads the compose file and translates it
// (stack/compose.h) into one `service create` flag list per service; here each becomes a spec
// through the same flag parser, its image is pinned as `service create` pins it, and the service
// is created, replaced when its spec changed, or left alone. --prune removes the stack's
// services the file no longer names. Each write is durable before the next.
#include <algorithm>
#include <functional>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "agent/agent_impl.h"
#include "agent/command_util.h"
#include "agent/service_flags.h"
#include "agent/table.h"
#include "common/json_writer.h"
#include "stack/compose.h"

namespace shoal {

namespace {

struct StackService {
  std::string name;
  crdt::ServiceSpec spec;
};

struct StackPlan {
  std::string stack;
  bool prune = false;
  bool resolve = true;
  std::vector<StackService> services;
};

std::string namespace_of(const crdt::Service& s) {
  auto it = s.spec.labels.find(stack::kNamespaceLabel);
  return it == s.spec.labels.end() ? "" : it->second;
}

// The services of `stack` (its label says so), but those in `keep`.
std::vector<std::string> services_of(Agent& agent, const std::string& stack, const std::set<std::string>& keep = {}) {
  std::vector<std::string> names;
  for (const crdt::Service* svc : agent.state().all_services())
    if (namespace_of(*svc) == stack && !keep.count(svc->name)) names.push_back(svc->name);
  return names;
}

// Removes `names`, each write durable before the next, after the lines in `out`; a failure stops
// there, with what was done said on stdout and why it stopped on stderr.
ApiResponse remove_services(Agent& agent, const std::vector<std::string>& names, std::string out) {
  for (const auto& name : names) {
    const std::uint64_t now = agent.now().wall_ms;
    auto r = finish_write(agent, [&](crdt::Replica& rep) { return rep.remove_service(now, name); }, name);
    if (r.exit_code != 0) return {r.exit_code, out, r.err};
    out += "Removing service " + name + "\n";
  }
  return ok(out);
}

// `stack deploy [--prune] [--resolve-image always|never] NAME -- JSON...`: one JSON array of
// strings per service, the `service create` flags the CLI made of the compose file.
Result<StackPlan> read_plan(const std::vector<std::string>& args) {
  auto f = parse_flags("stack deploy", args, {{"--resolve-image"}, {"--prune"}});
  if (!f) return f.error();
  if (f->positional.size() != 1) return make_error("stack deploy: give one stack NAME");
  StackPlan plan{f->positional[0], f->has("--prune"), true, {}};
  const std::string resolve = f->get("--resolve-image", "always");
  if (resolve != "always" && resolve != "never")
    return make_error("stack deploy: --resolve-image is always or never");
  plan.resolve = resolve == "always";
  if (f->after_dashdash.empty()) return make_error("stack deploy: the stack has no services");
  FlagSpec spec = service_flag_spec();
  spec.stop_at_positional = true;
  for (const auto& text : f->after_dashdash) {
    auto list = nlohmann::json::parse(text, nullptr, false);
    if (!list.is_array() || !std::all_of(list.begin(), list.end(), [](const auto& w) { return w.is_string(); }))
      return make_error("stack deploy: a service is a JSON array of strings (internal)");
    auto flags = parse_flags("stack deploy", list.get<std::vector<std::string>>(), spec);
    if (!flags) return flags.error();
    const std::string name = flags->get("--name");
    auto service_spec = apply_service_flags(crdt::ServiceSpec{}, *flags, true);
    if (!service_spec) return make_error("stack deploy: service " + name + ": " + service_spec.message());
    auto label = service_spec->labels.find(stack::kNamespaceLabel);
    if (name.empty() || label == service_spec->labels.end() || label->second != plan.stack)
      return make_error("stack deploy: service " + name + " is not of stack " + plan.stack + " (internal)");
    plan.services.push_back({name, std::move(*service_spec)});
  }
  return plan;
}

// Creates, replaces or keeps each service, then prunes. Stops at the first failed write; what
// was done before it stays done (and is said).
ApiResponse apply_plan(Agent& agent, StackPlan plan, const ImagePins& pins) {
  std::string out;
  std::set<std::string> named;
  for (auto& s : plan.services) {
    named.insert(s.name);
    if (auto p = pin_image(s.spec, nullptr, pins); !p) return fail(out + "stack deploy: " + p.message());
    const crdt::Service* current = agent.state().service(s.name);
    if (current != nullptr && current->spec == s.spec) {
      out += "Service " + s.name + " is unchanged\n";
      continue;
    }
    const std::uint64_t now = agent.now().wall_ms;
    ApiResponse r = current == nullptr
                        ? create_service_with(agent, s.name, std::move(s.spec))
                        : finish_write(
                              agent, [&](crdt::Replica& rep) { return rep.update_service(now, s.name, std::move(s.spec)); },
                              s.name);
    if (r.exit_code != 0) return {r.exit_code, out, r.err};  // what was done is said, then why it stopped
    out += (current == nullptr ? "Creating service " : "Updating service ") + s.name + "\n";
  }
  return plan.prune ? remove_services(agent, services_of(agent, plan.stack, named), out) : ok(out);
}

ApiResponse stack_ls(Agent& agent, const ParsedFlags& f) {
  auto json = want_json(f);
  if (!json) return fail(json.message(), 2);
  std::map<std::string, std::uint64_t> stacks;
  for (const crdt::Service* svc : agent.state().all_services())
    if (auto ns = namespace_of(*svc); !ns.empty()) ++stacks[ns];
  JsonWriter j;
  j.begin_array();
  std::vector<std::vector<std::string>> rows{{"NAME", "SERVICES"}};
  for (const auto& [name, count] : stacks) {
    j.begin_object().field("name", name).field("services", count).end_object();
    rows.push_back({name, std::to_string(count)});
  }
  j.end_array();
  return ok(*json ? j.str() + "\n" : render_table(rows));
}

ApiResponse stack_rm(Agent& agent, const ParsedFlags& f) {
  if (f.positional.empty()) return fail("stack rm: give a stack NAME", 2);
  std::string out;
  for (const auto& stack : f.positional) {
    const auto names = services_of(agent, stack);
    if (names.empty()) return {1, out, "shoal: stack rm: no stack named " + stack + "\n"};
    auto r = remove_services(agent, names, out);
    if (r.exit_code != 0) return r;
    out = r.out;
  }
  return ok(out);
}

}  // namespace

ApiResponse cmd_stack(Agent& agent, const std::vector<std::string>& args) {
  if (args.empty()) return fail("stack: give deploy, ls, services or rm", 2);
  const std::string& verb = args[0];
  auto f = parse_flags("stack " + verb, {args.begin() + 1, args.end()}, {{"--format"}, {}});
  if (!f) return fail(f.message(), 2);
  if (verb == "ls") return stack_ls(agent, *f);
  if (verb == "rm") return stack_rm(agent, *f);
  if (verb == "services") {
    if (f->positional.size() != 1) return fail("stack services: give one stack NAME", 2);
    ParsedFlags ls = *f;
    ls.positional.clear();
    ls.values["--filter"] = {std::string("label=") + stack::kNamespaceLabel + "=" + f->positional[0]};
    return service_ls(agent, ls);
  }
  return fail("stack: unknown subcommand '" + verb + "' (deploy, ls, services, rm)", 2);
}

void Agent::stack_deploy_async(const ApiRequest& request, ApiServer::Respond respond) {
  auto plan = read_plan({request.argv.begin() + 2, request.argv.end()});
  if (!plan) return respond(fail(plan.message(), 2));
  std::vector<std::string> images;
  for (const auto& s : plan->services)
    if (!s.spec.task.image.empty() && std::find(images.begin(), images.end(), s.spec.task.image) == images.end())
      images.push_back(s.spec.task.image);
  // The images are pinned one after another (each on a worker), then the writes run here. The
  // step holds itself only weakly; a pending pin holds it strongly, so it lives as long as needed.
  auto pins = std::make_shared<ImagePins>();
  auto next = std::make_shared<std::function<void(std::size_t)>>();
  std::weak_ptr<std::function<void(std::size_t)>> weak = next;
  const bool resolve = plan->resolve;
  *next = [this, images, pins, weak, resolve, plan = std::move(*plan), respond](std::size_t i) mutable {
    if (i == images.size()) return respond(apply_plan(*this, std::move(plan), *pins));
    pin_image_async(images[i], !resolve, "stack deploy",
                    [i, images, pins, self = weak.lock(), respond](Result<std::string> pinned) {
                      if (!pinned) return respond(fail("stack deploy: " + pinned.message()));
                      (*pins)[images[i]] = *pinned;
                      (*self)(i + 1);
                    });
  };
  (*next)(0);
}

}  // namespace shoal
