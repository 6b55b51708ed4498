#include "crdt/desired_state.h"

#include <algorithm>

#include "crdt/service_ops.h"

namespace shoal::crdt {

void DesiredState::merge(const DesiredState& delta) {
  seen.merge(delta.seen);
  services.merge(delta.services);
  for (const auto& [node, reg] : delta.availability) {
    auto [it, inserted] = availability.emplace(node, reg);
    if (!inserted) it->second.merge(reg);
  }
  tasks.merge(delta.tasks);
}

bool DesiredState::empty() const {
  return seen.empty() && services.entries.empty() && availability.empty() &&
         tasks.writers.empty();
}

const Service* DesiredState::service(const std::string& name) const {
  const auto* reg = services.get(name);
  return reg == nullptr ? nullptr : &reg->value;
}

std::vector<const Service*> DesiredState::all_services() const {
  std::vector<const Service*> out;
  for (const auto& [name, entry] : services.entries) {
    if (const auto* reg = entry.winner()) out.push_back(&reg->value);
  }
  return out;
}

Availability DesiredState::availability_of(const NodeId& node) const {
  auto it = availability.find(node);
  return it == availability.end() ? Availability::kActive : it->second.value;
}

const TaskStatus* DesiredState::task(const NodeId& runner, const TaskKey& key) const {
  return tasks.get(runner, key);
}

std::vector<std::pair<NodeId, const TaskStatus*>> DesiredState::all_tasks() const {
  std::vector<std::pair<NodeId, const TaskStatus*>> out;
  for (const auto& [runner, entries] : tasks.writers) {
    for (const auto& [key, entry] : entries) {
      if (entry.value) out.emplace_back(runner, &*entry.value);
    }
  }
  return out;
}

HlcTimestamp DesiredState::max_timestamp() const {
  HlcTimestamp best;
  for (const auto& [name, entry] : services.entries) {
    for (const auto& [dot, reg] : entry.live) best = std::max(best, reg.at);
    for (const auto& [dot, stone] : entry.removed) best = std::max(best, stone.at);
  }
  for (const auto& [node, reg] : availability) best = std::max(best, reg.at);
  for (const auto& [runner, entries] : tasks.writers) {
    for (const auto& [key, entry] : entries) best = std::max(best, entry.at);
  }
  return best;
}

Replica::Replica(NodeId self, std::uint64_t max_clock_offset_ms, DeltaLimits limits)
    : self_(std::move(self)), clock_(max_clock_offset_ms), limits_(limits) {}

Dot Replica::next_dot() { return Dot{self_, state_.seen.max_counter(self_) + 1}; }

DesiredState Replica::finish(DesiredState delta, const Dot& dot) {
  delta.seen.add(dot);
  state_.seen.add(dot);
  return delta;
}

Result<DesiredState> Replica::create_service(std::uint64_t now_ms, const std::string& name,
                                             ServiceSpec spec, std::string vip) {
  auto next = crdt::create_service(state_.service(name), name, std::move(spec));
  if (!next) return next.error();
  next->vip = std::move(vip);
  next->created_ms = now_ms;
  return put_service(now_ms, std::move(next).value());
}

Result<DesiredState> Replica::scale_service(std::uint64_t now_ms, const std::string& name,
                                            std::uint32_t replicas) {
  auto next = crdt::scale_service(state_.service(name), name, replicas);
  if (!next) return next.error();
  return put_service(now_ms, std::move(next).value());
}

Result<DesiredState> Replica::update_service(std::uint64_t now_ms, const std::string& name,
                                             ServiceSpec spec) {
  auto next = crdt::update_service(state_.service(name), name, std::move(spec));
  if (!next) return next.error();
  return put_service(now_ms, std::move(next).value());
}

Result<DesiredState> Replica::rollback_service(std::uint64_t now_ms, const std::string& name) {
  auto next = crdt::rollback_service(state_.service(name), name);
  if (!next) return next.error();
  return put_service(now_ms, std::move(next).value());
}

Result<DesiredState> Replica::restore_conflict(std::uint64_t now_ms, const std::string& name, const Dot& entry) {
  auto next = crdt::restore_conflict(state_.service(name), name, entry);
  if (!next) return next.error();
  return put_service(now_ms, std::move(next).value());
}

Result<DesiredState> Replica::remove_service(std::uint64_t now_ms, const std::string& name) {
  if (state_.service(name) == nullptr) return make_error("no service named " + name);
  Dot dot = next_dot();
  DesiredState delta;
  delta.services = state_.services.remove(name, dot, clock_.tick(now_ms));
  return finish(std::move(delta), dot);
}

DesiredState Replica::put_service(std::uint64_t now_ms, Service value) {
  Dot dot = next_dot();
  std::string name = value.name;
  auto entry = state_.services.entries.find(name);
  const ServiceWrites* live = entry == state_.services.entries.end() ? nullptr : &entry->second.live;
  value = stamp_write(live, state_.services.get(name), std::move(value));
  LwwRegister<Service> reg{std::move(value), clock_.tick(now_ms), dot};
  DesiredState delta;
  delta.services = state_.services.put(name, reg);
  return finish(std::move(delta), dot);
}

DesiredState Replica::set_availability(std::uint64_t now_ms, const NodeId& node,
                                       Availability value) {
  Dot dot = next_dot();
  // A plain LWW register (no observed-remove): stamp the write after the value it overwrites,
  // so a write made after seeing a far-future value (from a node whose clock runs ahead, which
  // our HLC does not adopt) still replaces it, as the user expects.
  HlcTimestamp at = clock_.tick(now_ms);
  if (auto it = state_.availability.find(node); it != state_.availability.end() && it->second.at >= at)
    at = HlcTimestamp{it->second.at.wall_ms, it->second.at.logical + 1};
  DesiredState delta;
  delta.availability.emplace(node, LwwRegister<Availability>{value, at, dot});
  state_.merge(delta);
  return finish(std::move(delta), dot);
}

DesiredState Replica::put_task(std::uint64_t now_ms, TaskStatus status) {
  Dot dot = next_dot();
  TaskKey key = status.key();
  DesiredState delta;
  delta.tasks = state_.tasks.put(self_, key,
                                 WriterEntry<TaskStatus>{dot.counter, clock_.tick(now_ms),
                                                         std::move(status)});
  return finish(std::move(delta), dot);
}

Result<DesiredState> Replica::delete_task(std::uint64_t now_ms, const TaskKey& key) {
  if (state_.task(self_, key) == nullptr) {
    return make_error("no task " + key.service + "." + std::to_string(key.slot) + " on " +
                      self_.name);
  }
  Dot dot = next_dot();
  DesiredState delta;
  delta.tasks = state_.tasks.put(self_, key,
                                 WriterEntry<TaskStatus>{dot.counter, clock_.tick(now_ms), {}});
  return finish(std::move(delta), dot);
}

Result<MergeReport> Replica::merge_remote(const DesiredState& delta, const NodeId& origin, std::uint64_t now_ms) {
  if (auto ok = validate_delta(delta, limits_); !ok) {
    ++counters_.deltas_rejected;
    return make_error("delta from " + origin.name + " rejected, not merged: " + ok.message());
  }
  state_.merge(delta);
  MergeReport report;
  const HlcTimestamp newest = delta.max_timestamp();
  if (!clock_.observe(newest, now_ms)) {
    ++counters_.timestamps_not_adopted;
    report.clock_adopted = false;
    report.ahead_ms = newest.wall_ms - now_ms;
  }
  return report;
}

void Replica::merge(const DesiredState& delta) {
  state_.merge(delta);
  clock_.restore(delta.max_timestamp());
}

void Replica::restore(DesiredState state) {
  state_ = std::move(state);
  clock_.restore(state_.max_timestamp());
}

}  // namespace shoal::crdt
