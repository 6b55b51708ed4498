#include "node/state_events.h"

#include <algorithm>

#include <string>

namespace shoal::node {
namespace {

ClusterEvent service_event(const std::string& action, const std::string& name, const crdt::Service* svc) {
  ClusterEvent e = make_event(EventType::kService, action, name);
  if (svc) {
    e.attributes["version"] = std::to_string(svc->version);
    // With the name, what identifies this service's life (a re-created one is another object;
    // the Docker API's service ID hashes both).
    e.attributes["created_ms"] = std::to_string(svc->created_ms);
    if (!svc->spec.task.image.empty()) e.attributes["image"] = svc->spec.task.image;
    if (svc->spec.mode == ServiceMode::kReplicated) e.attributes["replicas"] = std::to_string(svc->spec.replicas);
  }
  return e;
}

ClusterEvent task_event(const NodeId& runner, const crdt::TaskStatus& t) {
  ClusterEvent e = make_event(EventType::kTask, to_string(t.state), t.service + "." + std::to_string(t.slot));
  e.attributes["node"] = runner.name;
  e.attributes["service"] = t.service;
  e.attributes["version"] = std::to_string(t.spec_version);
  if (!t.error.empty()) e.attributes["error"] = t.error;
  return e;
}

// A merge discarded a concurrent write (crdt/service_merge.h): one event per new journal entry.
void conflict_events(const std::vector<crdt::Conflict>* before, const crdt::Service& after,
                     std::vector<ClusterEvent>& out) {
  for (const auto& c : after.conflicts) {
    if (before && std::find(before->begin(), before->end(), c) != before->end()) continue;
    ClusterEvent e = make_event(EventType::kService, "conflict", after.name);
    e.attributes["field"] = crdt::to_string(c.field);
    e.attributes["lost"] = c.lost;
    e.attributes["lost_by"] = c.lost_stamp.dot.writer.name;
    e.attributes["won"] = c.won;
    e.attributes["won_by"] = c.won_stamp.dot.writer.name;
    out.push_back(std::move(e));
  }
}

}  // namespace

StateProbe::StateProbe(const crdt::DesiredState& state, const crdt::DesiredState& delta) {
  for (const auto& [name, entry] : delta.services.entries) {
    const crdt::Service* svc = state.service(name);
    services_.emplace(name, svc ? std::optional<crdt::Service>(*svc) : std::nullopt);
  }
  for (const auto& [node, reg] : delta.availability) availability_.emplace(node, state.availability_of(node));
  for (const auto& [runner, entries] : delta.tasks.writers)
    for (const auto& [key, entry] : entries) {
      const crdt::TaskStatus* t = state.task(runner, key);
      tasks_.emplace(std::pair{runner, key}, t ? std::optional<crdt::TaskStatus>(*t) : std::nullopt);
    }
}

std::vector<ClusterEvent> StateProbe::events(const crdt::DesiredState& state) const {
  std::vector<ClusterEvent> out;
  for (const auto& [name, before] : services_) {
    const crdt::Service* after = state.service(name);
    if (!before && after) out.push_back(service_event("created", name, after));
    else if (before && !after) out.push_back(service_event("removed", name, &*before));
    // What a user asked for changed (not the merge's bookkeeping or the recorded node set).
    else if (before && after && (before->spec != after->spec || before->version != after->version))
      out.push_back(service_event("updated", name, after));
    if (after) conflict_events(before ? &before->conflicts : nullptr, *after, out);
  }
  for (const auto& [node, before] : availability_) {
    Availability after = state.availability_of(node);
    if (after == before) continue;
    ClusterEvent e = make_event(EventType::kNode, "updated", node.name);
    e.attributes["availability"] = to_string(after);
    out.push_back(std::move(e));
  }
  for (const auto& [where, before] : tasks_) {
    const crdt::TaskStatus* after = state.task(where.first, where.second);
    // A state entered (or re-entered by a new version); a forgotten status is no event: the
    // slot's next task says what happened.
    if (after && (!before || before->state != after->state || before->spec_version != after->spec_version))
      out.push_back(task_event(where.first, *after));
  }
  return out;
}

namespace {

const char* member_action(membership::Event::Kind kind) {
  using K = membership::Event::Kind;
  switch (kind) {
    case K::kJoined: return "joined";
    case K::kUpdated: return "updated";
    case K::kSuspect: return "suspect";
    case K::kFailed: return "failed";
    case K::kLeft: return "left";
    case K::kAlive: return "alive";
    case K::kClockOffset: return "clock_offset";
    case K::kClockOffsetOk: return "clock_offset_ok";
  }
  return "?";
}

}  // namespace

ClusterEvent member_event(const membership::Event& e) {
  ClusterEvent out = make_event(EventType::kMember, member_action(e.kind), e.member.id.name);
  out.attributes["addr"] = e.member.addr;
  out.attributes["incarnation"] = std::to_string(e.member.incarnation);
  if (e.member.clock_offset_ms) out.attributes["clock_offset_ms"] = std::to_string(*e.member.clock_offset_ms);
  return out;
}

}  // namespace shoal::node
