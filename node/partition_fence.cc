#include "node/partition_fence.h"

#include <algorithm>
#include <set>

#include "node/cluster_view.h"

namespace shoal::node {

namespace {

using membership::MemberStatus;

const membership::Member* find(const std::vector<membership::Member>& members, const std::string& name) {
  for (const auto& m : members)
    if (m.id.name == name) return &m;
  return nullptr;
}

// Removes every placement of (service, slot) and says why the slot waits.
void hold(placement::Assignment& a, std::uint32_t si, std::uint32_t slot, const std::string& reason) {
  std::erase_if(a.tasks, [&](const placement::PlacedTask& t) { return t.service == si && t.slot == slot; });
  for (auto& u : a.unplaced)
    if (u.service == si && u.slot == slot) {
      u.reason = reason;
      return;
    }
  a.unplaced.push_back({si, slot, reason});
}

void sort_unplaced(placement::Assignment& a) {
  std::sort(a.unplaced.begin(), a.unplaced.end(),
            [](const auto& x, const auto& y) { return std::tie(x.service, x.slot) < std::tie(y.service, y.slot); });
}

// Active tasks of a service, by (placement slot, runner).
std::set<std::pair<std::uint32_t, std::string>> active_tasks(const crdt::DesiredState& state, const crdt::Service& svc) {
  std::set<std::pair<std::uint32_t, std::string>> out;
  const bool global = svc.spec.mode == ServiceMode::kGlobal;
  for (const auto& [runner, task] : state.all_tasks())
    if (task->service == svc.name && is_active(task->state))
      out.insert({global ? placement::kGlobalSlot : task->slot, runner.name});
  return out;
}

bool unreachable(const membership::Member* m) { return m != nullptr && m->status == MemberStatus::kFailed; }

}  // namespace

std::vector<std::string> majority_set(const crdt::Service& svc, const std::vector<membership::Member>& members,
                                      const std::string& self) {
  if (!svc.agreed_nodes.empty()) return svc.agreed_nodes;
  std::set<std::string> known{self};
  for (const auto& m : members)
    if (m.status != MemberStatus::kLeft) known.insert(m.id.name);
  return {known.begin(), known.end()};
}

std::size_t seen_alive(const std::vector<std::string>& set, const std::vector<membership::Member>& members,
                       const std::string& self) {
  std::size_t seen = 0;
  for (const auto& name : set) {
    const membership::Member* m = find(members, name);
    if (name == self || (m != nullptr && m->status == MemberStatus::kAlive)) ++seen;
  }
  return seen;
}

void PartitionFence::due(std::uint64_t at_ms) {
  if (next_deadline_ms_ == 0 || at_ms < next_deadline_ms_) next_deadline_ms_ = at_ms;
}

void PartitionFence::apply(std::uint64_t now_mono_ms, const std::vector<membership::Member>& members,
                           const crdt::DesiredState& state, placement::Assignment& a, bool catching_up) {
  next_deadline_ms_ = 0;
  std::set<std::string> majority_services;
  for (const crdt::Service* svc : state.all_services()) {
    switch (svc->spec.partition.on_partition) {
      case OnPartition::kDuplicate: break;
      case OnPartition::kPinned: apply_pinned(members, state, *svc, a); break;
      case OnPartition::kMajority:
        majority_services.insert(svc->name);
        apply_majority(now_mono_ms, members, state, *svc, a, catching_up);
        break;
    }
  }
  std::erase_if(minority_since_ms_, [&](const auto& kv) { return !majority_services.count(kv.first); });
  std::erase_if(majority_since_ms_, [&](const auto& kv) { return !majority_services.count(kv.first); });
  sort_unplaced(a);
}

void PartitionFence::apply_pinned(const std::vector<membership::Member>& members, const crdt::DesiredState& state,
                                  const crdt::Service& svc, placement::Assignment& a) {
  auto si = a.service_index(svc.name);
  if (!si || svc.spec.mode == ServiceMode::kGlobal) return;  // a global task never moves anyway
  for (const auto& [slot, runner] : active_tasks(state, svc))
    if (unreachable(find(members, runner)))
      hold(a, *si, slot, "waiting: pinned to " + runner + ", which is unreachable");
}

void PartitionFence::apply_majority(std::uint64_t now, const std::vector<membership::Member>& members,
                                    const crdt::DesiredState& state, const crdt::Service& svc,
                                    placement::Assignment& a, bool catching_up) {
  auto si = a.service_index(svc.name);
  if (!si) return;
  const bool global = svc.spec.mode == ServiceMode::kGlobal;
  const std::vector<std::string> set = majority_set(svc, members, self_);
  const std::size_t seen = seen_alive(set, members, self_);
  const auto active = active_tasks(state, svc);
  const std::uint64_t isolation = svc.spec.partition.isolation_timeout_ms;
  if (2 * seen <= set.size()) {
    majority_since_ms_.erase(svc.name);
    auto since = minority_since_ms_.try_emplace(svc.name, now).first->second;
    const bool lease = now < since + isolation;
    if (lease) due(since + isolation);
    const std::string reason = "waiting: minority side, " + std::to_string(seen) + " of " +
                               std::to_string(set.size()) + " nodes seen";
    // A task that runs where it is placed keeps its slot while the lease lasts; nothing starts.
    auto kept = [&](const placement::PlacedTask& t) {
      return t.service == *si && lease && active.count({t.slot, a.nodes[t.node].name}) > 0;
    };
    if (global) {
      std::erase_if(a.tasks, [&](const placement::PlacedTask& t) { return t.service == *si && !kept(t); });
      a.unplaced.push_back({*si, placement::kGlobalSlot, reason});
      return;
    }
    for (std::uint32_t slot = 0; slot < svc.spec.replicas; ++slot)
      if (std::none_of(a.tasks.begin(), a.tasks.end(), [&](const auto& t) { return t.slot == slot && kept(t); }))
        hold(a, *si, slot, reason);
    return;
  }
  minority_since_ms_.erase(svc.name);
  // Since when this node has seen the majority (its first round, or the end of a minority
  // spell): a runner it cannot reach is trusted to have fenced itself only if it has been
  // unreachable while this node saw the majority. A node that just regained the majority sees
  // runners of the side it was cut off from as failed since long ago, and they never fenced.
  const std::uint64_t majority_since = majority_since_ms_.try_emplace(svc.name, now).first->second;
  // A slot starts only where nothing else may still run it: not before this node caught up
  // after a heal, and not while its task runs on another node this side reaches.
  std::vector<std::pair<std::uint32_t, std::string>> waits;
  for (const auto& t : a.tasks) {
    if (t.service != *si) continue;
    const std::string& node = a.nodes[t.node].name;
    if (active.count({t.slot, node})) continue;  // runs where it is placed
    if (catching_up) {
      waits.push_back({t.slot, "waiting: catching up with the nodes that came back"});
      continue;
    }
    if (global) continue;  // a node's global task is its own: it never moves in from another node
    for (const auto& [slot, runner] : active) {
      if (slot != t.slot || runner == node) continue;
      const membership::Member* m = find(members, runner);
      if (m != nullptr && (m->status == MemberStatus::kAlive || m->status == MemberStatus::kSuspect)) {
        waits.push_back({t.slot, "waiting: the task on " + runner + " stops first"});
        break;
      }
    }
  }
  for (const auto& [slot, reason] : waits) {
    if (global) {
      std::erase_if(a.tasks, [&](const placement::PlacedTask& t) {
        return t.service == *si && !active.count({t.slot, a.nodes[t.node].name});
      });
      a.unplaced.push_back({*si, slot, reason});
      break;
    } else {
      hold(a, *si, slot, reason);
    }
  }
  if (global) return;  // a failed node's global task is not re-placed
  std::set<std::uint32_t> runs_here;  // slots whose task runs on a node this side reaches
  for (const auto& [slot, runner] : active)
    if (!unreachable(find(members, runner))) runs_here.insert(slot);
  for (const auto& [slot, runner] : active) {
    const membership::Member* m = find(members, runner);
    if (!unreachable(m) || runs_here.count(slot)) continue;
    const std::uint64_t until = std::max(m->status_since_ms, majority_since) + isolation + margin_ms_;
    if (now >= until) continue;
    due(until);
    hold(a, *si, slot, "waiting: " + runner + " is unreachable; re-placed " + std::to_string((until - now + 999) / 1000) +
                           " s from now (isolation timeout + fence margin)");
  }
}

std::optional<std::vector<std::string>> agreed_nodes_to_record(const crdt::Service& svc,
                                                                const std::vector<membership::Member>& members,
                                                                const std::string& self) {
  if (svc.spec.partition.on_partition != OnPartition::kMajority) return std::nullopt;
  std::set<std::string> alive{self};
  for (const auto& m : members) {
    if (m.status == MemberStatus::kSuspect || m.status == MemberStatus::kFailed) return std::nullopt;  // not whole
    if (m.status == MemberStatus::kAlive) alive.insert(m.id.name);
  }
  if (*alive.begin() != self) return std::nullopt;
  std::vector<std::string> set(alive.begin(), alive.end());
  if (set == svc.agreed_nodes) return std::nullopt;
  return set;
}

}  // namespace shoal::node
