#include "placement/update_plan.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>

namespace shoal::placement {

Status validate(const UpdateConfig& c) {
  if (!(c.max_failure_ratio >= 0.0 && c.max_failure_ratio <= 1.0))
    return make_error("update max_failure_ratio must be between 0 and 1");
  return {};
}

namespace {

// Where one slot stands relative to the version the plan targets.
enum class SlotProgress : std::uint8_t { kPending, kInFlight, kHealthy, kFailed };

struct SlotView {
  std::uint32_t slot = 0;
  const NodeId* node = nullptr;
  SlotProgress progress = SlotProgress::kPending;
  std::uint64_t healthy_since_ms = 0;
  std::uint64_t live_version = 0;  // version of a live task not on the target; 0 = none
};

// Status of the service's tasks by (slot, node name); for each, the latest report per version.
using StatusIndex = std::map<std::pair<std::uint32_t, std::string_view>, std::vector<const TaskStatus*>>;

StatusIndex index_status(std::string_view service, std::span<const TaskStatus> status) {
  StatusIndex index;
  for (const TaskStatus& t : status)
    if (t.service == service) index[{t.slot, t.node.name}].push_back(&t);
  return index;
}

SlotView view_slot(std::uint32_t slot, const NodeId& node, const StatusIndex& index,
                   std::uint64_t target) {
  SlotView v{slot, &node};
  auto it = index.find({slot, node.name});
  if (it == index.end()) return v;
  // Latest report wins; among reports at the same instant the later state (healthy > running).
  auto later = [](const TaskStatus* a, const TaskStatus* b) {
    return std::pair(a->since_ms, a->state) < std::pair(b->since_ms, b->state);
  };
  const TaskStatus* on_target = nullptr;
  const TaskStatus* live_other = nullptr;
  for (const TaskStatus* t : it->second) {
    if (t->spec_version == target) {
      if (!on_target || later(on_target, t)) on_target = t;
    } else if (!is_terminal(t->state) && (!live_other || later(live_other, t))) {
      live_other = t;
    }
  }
  if (live_other) v.live_version = live_other->spec_version;
  if (!on_target || on_target->state == TaskState::kShutdown) return v;
  switch (on_target->state) {
    case TaskState::kHealthy:
      v.progress = SlotProgress::kHealthy;
      v.healthy_since_ms = on_target->since_ms;
      break;
    case TaskState::kFailed: v.progress = SlotProgress::kFailed; break;
    default: v.progress = SlotProgress::kInFlight; break;
  }
  return v;
}

enum class Mode : std::uint8_t { kForward, kPaused, kRollback };

// The wave machinery, toward `target` from `other`. kPaused starts nothing new; kRollback only
// names the phase (rolling back is the same waves toward the old version).
UpdatePlan plan_waves(const std::vector<SlotView>& slots, std::uint64_t target, std::uint64_t other,
                      const UpdateConfig& cfg, std::uint64_t now_ms, Mode mode) {
  const bool rolling_back = mode == Mode::kRollback;
  UpdatePlan plan;
  plan.target_version = target;
  plan.phase = mode == Mode::kForward  ? UpdatePhase::kUpdating
               : mode == Mode::kPaused ? UpdatePhase::kPaused
                                       : UpdatePhase::kRollingBack;
  const std::size_t total = slots.size();
  const std::size_t width = cfg.parallelism == 0 ? std::max<std::size_t>(total, 1) : cfg.parallelism;

  std::uint64_t last_healthy_ms = 0;
  for (const SlotView& s : slots) {
    plan.healthy += s.progress == SlotProgress::kHealthy;
    plan.in_flight += s.progress == SlotProgress::kInFlight;
    plan.failed += s.progress == SlotProgress::kFailed;
    if (s.progress == SlotProgress::kHealthy) last_healthy_ms = std::max(last_healthy_ms, s.healthy_since_ms);
  }

  // The current wave: the first holding a slot that is not finished (healthy or failed).
  std::size_t first_open = total;
  for (std::size_t i = 0; i < total; ++i) {
    if (slots[i].progress == SlotProgress::kPending || slots[i].progress == SlotProgress::kInFlight) {
      first_open = i;
      break;
    }
  }
  std::size_t wave = first_open / width;
  std::vector<bool> act(total, false);
  if (first_open < total && mode == Mode::kPaused) {
    // Keep what has started (no slot goes back), start nothing new.
  } else if (first_open < total) {
    // The previous wave's last healthy moment gates this one by `delay_ms`.
    std::uint64_t gate_ms = 0;
    for (std::size_t i = wave > 0 ? (wave - 1) * width : 0; i < wave * width; ++i)
      if (slots[i].progress == SlotProgress::kHealthy) gate_ms = std::max(gate_ms, slots[i].healthy_since_ms);
    bool open = wave == 0 || cfg.delay_ms == 0 || now_ms >= gate_ms + cfg.delay_ms;
    if (!open) plan.next_deadline_ms = gate_ms + cfg.delay_ms;
    // Never more than `width` slots in flight, even if earlier slots regressed (a restart).
    std::size_t budget = plan.in_flight >= width ? 0 : width - plan.in_flight;
    for (std::size_t i = wave * width; open && budget > 0 && i < std::min(total, (wave + 1) * width); ++i) {
      if (slots[i].progress != SlotProgress::kPending) continue;
      act[i] = true;
      --budget;
    }
  } else if (!rolling_back) {
    bool watching = plan.healthy > 0 && now_ms < last_healthy_ms + cfg.monitor_ms;
    plan.phase = watching ? UpdatePhase::kMonitoring : UpdatePhase::kCompleted;
    if (watching) plan.next_deadline_ms = last_healthy_ms + cfg.monitor_ms;
  }

  for (std::size_t i = 0; i < total; ++i) {
    const SlotView& s = slots[i];
    bool on_target = s.progress != SlotProgress::kPending || act[i];
    plan.directives.push_back(SlotDirective{s.slot, *s.node, on_target ? target : other});
    if (act[i]) plan.actions.push_back(SlotAction{s.slot, *s.node, s.live_version, target, cfg.order});
  }
  return plan;
}

}  // namespace

Result<UpdatePlan> update_plan(const Assignment& assignment, std::string_view service,
                               std::span<const TaskStatus> status, const ServiceRevision& old_spec,
                               const ServiceRevision& new_spec, std::uint64_t now_ms) {
  if (Status s = validate(new_spec.update); !s) return s.error();
  if (new_spec.version <= old_spec.version)
    return make_error("service '" + std::string(service) + "': new spec version " +
                      std::to_string(new_spec.version) + " is not newer than " +
                      std::to_string(old_spec.version));
  std::optional<std::uint32_t> svc = assignment.service_index(service);
  if (!svc) return make_error("service '" + std::string(service) + "' is not in the assignment");

  // Slots in wave order: the assignment's own order (slot number, then node name).
  std::vector<const PlacedTask*> placed;
  auto first = std::lower_bound(assignment.tasks.begin(), assignment.tasks.end(), *svc,
                                [](const PlacedTask& t, std::uint32_t s) { return t.service < s; });
  for (auto it = first; it != assignment.tasks.end() && it->service == *svc; ++it) placed.push_back(&*it);

  StatusIndex index = index_status(service, status);
  auto views_toward = [&](std::uint64_t target) {
    std::vector<SlotView> views;
    for (const PlacedTask* t : placed)
      views.push_back(view_slot(t->slot, assignment.nodes[t->node], index, target));
    return views;
  };

  const UpdateConfig& cfg = new_spec.update;
  const std::vector<SlotView> forward_views = views_toward(new_spec.version);
  UpdatePlan forward = plan_waves(forward_views, new_spec.version, old_spec.version, cfg, now_ms,
                                  Mode::kForward);
  bool too_many_failures =
      forward.failed > 0 && forward.phase != UpdatePhase::kCompleted &&
      static_cast<double>(forward.failed) > cfg.max_failure_ratio * static_cast<double>(placed.size());
  if (!too_many_failures || cfg.failure_action == FailureAction::kContinue) return forward;

  if (cfg.failure_action == FailureAction::kPause)
    return plan_waves(forward_views, new_spec.version, old_spec.version, cfg, now_ms, Mode::kPaused);
  UpdatePlan back = plan_waves(views_toward(old_spec.version), old_spec.version, new_spec.version,
                               cfg, now_ms, Mode::kRollback);
  back.failed = forward.failed;  // what triggered the rollback, for the operator
  return back;
}

}  // namespace shoal::placement
