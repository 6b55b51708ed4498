// `shoal service history NAME [--format json]`: where each field of a service's spec came from
// (which write, which node, when) and the conflict journal: concurrent writes a merge discarded
// (crdt/service_merge.h). The node that accepted a write cannot know at ack time whether a
// concurrent write elsewhere will win (that is only known when the sides meet), so this is
// where a user finds out.
#include "agent/agent_impl.h"
#include "agent/command_util.h"
#include "agent/table.h"
#include "common/json_writer.h"
#include "common/rfc3339.h"
#include "crdt/service_merge.h"

namespace shoal {

namespace {

// "replicas=5 from n3 at T lost to replicas=2 from n1 at T', written concurrently (apart)"
std::string conflict_line(const crdt::Conflict& c) {
  return c.lost + " from " + c.lost_stamp.dot.writer.name + " at " + rfc3339(c.lost_stamp.at.wall_ms) + " lost to " +
         c.won + " from " + c.won_stamp.dot.writer.name + " at " + rfc3339(c.won_stamp.at.wall_ms) +
         ", written concurrently (neither node had seen the other's write)";
}

// What `service rollback --to` names an entry by: the lost write's dot.
std::string entry_id(const crdt::Conflict& c) {
  return c.lost_stamp.dot.writer.name + ":" + std::to_string(c.lost_stamp.dot.counter);
}

std::string history_json(const crdt::LwwRegister<crdt::Service>& reg) {
  const crdt::Service& svc = reg.value;
  JsonWriter j;
  j.begin_object().field("name", svc.name).field("version", svc.version).key("fields").begin_array();
  for (auto field : crdt::kServiceFields) {
    const crdt::FieldStamp s = crdt::field_stamp(reg, field);
    j.begin_object().field("field", crdt::to_string(field)).field("value", crdt::field_text(svc, field))
        .field("set_by", s.dot.writer.name).field("at", rfc3339(s.at.wall_ms)).end_object();
  }
  j.end_array().key("previous_template");
  if (svc.previous_spec) {
    crdt::Service previous = svc;
    previous.spec = *svc.previous_spec;
    previous.version = svc.version - 1;
    j.value(crdt::field_text(previous, crdt::ServiceField::kTemplate));
  } else {
    j.null();
  }
  j.key("conflicts").begin_array();
  for (const auto& c : svc.conflicts) {
    j.begin_object().field("entry", entry_id(c)).field("restorable", c.lost_spec.has_value())
        .field("field", crdt::to_string(c.field)).field("lost", c.lost)
        .field("lost_by", c.lost_stamp.dot.writer.name).field("lost_at", rfc3339(c.lost_stamp.at.wall_ms))
        .field("won", c.won).field("won_by", c.won_stamp.dot.writer.name)
        .field("won_at", rfc3339(c.won_stamp.at.wall_ms)).end_object();
  }
  j.end_array().end_object();
  return j.str() + "\n";
}

std::string history_text(const crdt::LwwRegister<crdt::Service>& reg) {
  const crdt::Service& svc = reg.value;
  std::vector<std::vector<std::string>> rows{{"FIELD", "VALUE", "SET BY", "AT"}};
  for (auto field : crdt::kServiceFields) {
    const crdt::FieldStamp s = crdt::field_stamp(reg, field);
    rows.push_back({crdt::to_string(field), crdt::field_text(svc, field), s.dot.writer.name, rfc3339(s.at.wall_ms)});
  }
  std::string out = "service " + svc.name + ", version " + std::to_string(svc.version) + "\n" + render_table(rows);
  out += svc.previous_spec ? "previous template kept for `service rollback`\n" : "no previous template\n";
  if (svc.conflicts.empty()) return out + "no conflicts: no write to this service was discarded by a merge\n";
  out += "conflicts, newest first (the losing write was discarded when the two writes met; "
         "`service rollback --to ENTRY` writes it back):\n";
  for (const auto& c : svc.conflicts)
    out += "  [" + entry_id(c) + "] " + std::string(crdt::to_string(c.field)) + ": " + conflict_line(c) + "\n";
  return out;
}

}  // namespace

ApiResponse service_history(Agent& agent, const ParsedFlags& f) {
  if (f.positional.size() != 1) return fail("service history: give exactly one service NAME", 2);
  auto json = want_json(f);
  if (!json) return fail(json.message(), 2);
  const auto* reg = agent.state().services.get(f.positional[0]);
  if (reg == nullptr) return fail("service history: no service named " + f.positional[0]);
  return ok(*json ? history_json(*reg) : history_text(*reg));
}

}  // namespace shoal
