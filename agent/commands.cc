// API verbs: parse the forwarded argv, act, render a table or --format json.
#include <algorithm>
#include <cstdio>

#include "agent/agent_impl.h"
#include "agent/flags.h"
#include "agent/table.h"
#include "agent/command_util.h"
#include "common/json_writer.h"

namespace shoal {

namespace {

void write_counters(JsonWriter& j, const membership::Counters& c) {
  j.key("dropped").begin_object();
  for (std::size_t i = 0; i < c.dropped.size(); ++i)
    j.field(drop_reason_name(static_cast<DropReason>(i)), c.dropped[i]);
  j.end_object();
  j.field("packets_sent", c.packets_sent).field("bytes_sent", c.bytes_sent)
      .field("packets_received", c.packets_received).field("bytes_received", c.bytes_received)
      .field("probes_sent", c.probes_sent).field("probes_failed", c.probes_failed)
      .field("acks_received", c.acks_received).field("ping_reqs_sent", c.ping_reqs_sent)
      .field("nacks_received", c.nacks_received).field("nacks_sent", c.nacks_sent)
      .field("suspicions_raised", c.suspicions_raised).field("refutations", c.refutations)
      .field("failures_declared", c.failures_declared).field("push_pulls_sent", c.push_pulls_sent)
      .field("push_pulls_received", c.push_pulls_received)
      .field("user_broadcasts_sent", c.user_broadcasts_sent)
      .field("user_payloads_received", c.user_payloads_received)
      .field("broadcasts_dropped", c.broadcasts_dropped);
}

std::string counters_text(Agent& agent) {
  const auto& c = agent.swim().counters();
  std::vector<std::vector<std::string>> rows{{"COUNTER", "VALUE"}};
  for (std::size_t i = 0; i < c.dropped.size(); ++i)
    rows.push_back({std::string("dropped.") + drop_reason_name(static_cast<DropReason>(i)), std::to_string(c.dropped[i])});
  auto add = [&](const char* n, std::uint64_t v) { rows.push_back({n, std::to_string(v)}); };
  add("packets_sent", c.packets_sent); add("packets_received", c.packets_received);
  add("bytes_sent", c.bytes_sent); add("bytes_received", c.bytes_received);
  add("probes_sent", c.probes_sent); add("probes_failed", c.probes_failed);
  add("acks_received", c.acks_received); add("ping_reqs_sent", c.ping_reqs_sent);
  add("nacks_received", c.nacks_received); add("suspicions_raised", c.suspicions_raised);
  add("refutations", c.refutations); add("failures_declared", c.failures_declared);
  add("push_pulls_sent", c.push_pulls_sent); add("push_pulls_received", c.push_pulls_received);
  add("user_broadcasts_sent", c.user_broadcasts_sent);
  add("user_payloads_received", c.user_payloads_received);
  add("broadcasts_dropped", c.broadcasts_dropped);
  add("api_refused", agent.api_refused());
  add("health_score", static_cast<std::uint64_t>(agent.swim().health_score()));
  add("incarnation", agent.swim().incarnation());
  return render_table(rows);
}

ApiResponse cmd_agent_info(Agent& agent, const std::vector<std::string>& args) {
  auto f = parse_flags("agent info", args, {{"--format"}, {}});
  if (!f) return fail(f.message(), 2);
  auto json = want_json(*f);
  if (!json) return fail(json.message(), 2);
  if (!*json) return ok("name: " + agent.config().name + "\nbind: " + agent.config().bind +
                        "\nprofile: " + agent.config().profile + "\nmembers alive: " +
                        std::to_string(agent.swim().num_alive()) + "\nreconcile rounds: " +
                        std::to_string(agent.core().reconcile_rounds()) + "\n\n" + counters_text(agent));
  JsonWriter j;
  j.begin_object().field("name", agent.config().name).field("bind", agent.config().bind)
      .field("profile", agent.config().profile)
      .field("members_alive", static_cast<std::uint64_t>(agent.swim().num_alive()))
      .field("health_score", agent.swim().health_score())
      .field("incarnation", agent.swim().incarnation())
      .field("api_refused", agent.api_refused())
      .field("reconcile_rounds", agent.core().reconcile_rounds())
      .field("settled", agent.core().settled())
      .field("persist_failures", agent.core().persist_failures());
  j.key("counters").begin_object();
  write_counters(j, agent.swim().counters());
  j.end_object().end_object();
  return ok(j.str() + "\n");
}

// The member's clock offset for `shoal members`: "+300012ms" (its clock minus ours), "-" if
// not measured yet (ourselves, or no probe answered).
std::string clock_offset_text(const membership::Member& m) {
  if (!m.clock_offset_ms) return "-";
  return (*m.clock_offset_ms >= 0 ? "+" : "") + std::to_string(*m.clock_offset_ms) + "ms";
}

ApiResponse cmd_members(Agent& agent, const std::vector<std::string>& args) {
  auto f = parse_flags("members", args, {{"--format", "--status"}, {"--stats"}});
  if (!f) return fail(f.message(), 2);
  if (!f->positional.empty()) return fail("members: unexpected argument '" + f->positional[0] + "'", 2);
  auto json = want_json(*f);
  if (!json) return fail(json.message(), 2);
  std::string status = f->get("--status");
  if (!status.empty() && status != "alive" && status != "suspect" && status != "failed" && status != "left")
    return fail("--status: '" + status + "' is not alive, suspect, failed or left", 2);
  if (f->has("--stats")) return cmd_agent_info(agent, *json ? std::vector<std::string>{"--format", "json"}
                                                            : std::vector<std::string>{});
  std::vector<membership::Member> members;
  for (auto& m : agent.swim().members())
    if (status.empty() || status == membership::status_name(m.status)) members.push_back(std::move(m));
  if (*json) {
    JsonWriter j;
    j.begin_array();
    for (const auto& m : members) {
      j.begin_object().field("name", m.id.name).field("addr", m.addr)
          .field("status", membership::status_name(m.status)).field("incarnation", m.incarnation);
      // Clock offset (issue 13): the peer's wall clock minus ours, from probe round trips.
      if (m.clock_offset_ms) j.field("clock_offset_ms", *m.clock_offset_ms);
      else j.key("clock_offset_ms").null();
      j.key("labels").begin_object();
      for (const auto& [k, v] : m.meta.labels) j.field(k, v);
      j.end_object().end_object();
    }
    j.end_array();
    return ok(j.str() + "\n");
  }
  std::vector<std::vector<std::string>> rows{{"NAME", "ADDR", "STATUS", "CLOCK", "LABELS"}};
  for (const auto& m : members)
    rows.push_back({m.id.name, m.addr, membership::status_name(m.status), clock_offset_text(m), labels_text(m.meta.labels)});
  return ok(render_table(rows));
}

ApiResponse cmd_keys(Agent& agent, const std::vector<std::string>& args) {
  auto f = parse_flags("keys", args, {{"--format"}, {}});
  if (!f) return fail(f.message(), 2);
  const auto& pos = f->positional;
  if (pos.empty()) return fail("keys: give list, install KEY, use KEY or remove KEY", 2);
  if (pos[0] == "list") {
    auto json = want_json(*f);
    if (!json) return fail(json.message(), 2);
    JsonWriter j;
    j.begin_array();
    std::vector<std::vector<std::string>> rows{{"KEY", "PRIMARY"}};
    bool first = true;
    for (const Key& k : agent.keyring().keys()) {
      j.begin_object().field("key", key_to_base64(k)).field("primary", first).end_object();
      rows.push_back({key_to_base64(k), first ? "yes" : ""});
      first = false;
    }
    j.end_array();
    return ok(*json ? j.str() + "\n" : render_table(rows));
  }
  KeyOp op;
  if (pos[0] == "install") op = KeyOp::kInstall;
  else if (pos[0] == "use") op = KeyOp::kUse;
  else if (pos[0] == "remove") op = KeyOp::kRemove;
  else return fail("keys: unknown subcommand '" + pos[0] + "' (list, install, use, remove)", 2);
  if (pos.size() != 2) return fail("keys " + pos[0] + ": give exactly one KEY (base64)", 2);
  if (auto s = agent.key_operation(op, pos[1]); !s) return fail("keys " + pos[0] + ": " + s.message());
  return ok("keys " + pos[0] + ": done here and gossiped to the cluster\n");
}

}  // namespace

ApiResponse Agent::handle(const ApiRequest& request) {
  const auto& argv = request.argv;
  if (argv.empty()) return fail("no command given; try `shoal help`", 2);
  std::vector<std::string> rest(argv.begin() + 1, argv.end());
  if (argv[0] == "members") return cmd_members(*this, rest);
  if (argv[0] == "keys") return cmd_keys(*this, rest);
  if (argv[0] == "service") return cmd_service(*this, rest);
  if (argv[0] == "node") return cmd_node(*this, rest);
  if (argv[0] == "state") return cmd_state(*this, rest);
  if (argv[0] == "stack") return cmd_stack(*this, rest);
  if (argv[0] == "image") return cmd_image(rest);
  if (argv[0] == "events") return cmd_events(rest);
  if (argv[0] == "agent" && !rest.empty() && rest[0] == "info")
    return cmd_agent_info(*this, {rest.begin() + 1, rest.end()});
  return fail("unknown command '" + argv[0] + "'; try `shoal help`", 2);
}

}  // namespace shoal
