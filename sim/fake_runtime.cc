#include "sim/fake_runtime.h"

#include <cmath>

namespace shoal::sim {

namespace {

TaskChange change_of(const LocalTask& t, std::uint64_t since_ms) {
  return {t.id, t.service, t.slot, t.version, t.state, since_ms};
}

}  // namespace

void FakeRuntime::schedule(Task& t, TaskState next, std::uint64_t at_ms) {
  t.next = next;
  t.due_ms = at_ms;
}

void FakeRuntime::start(const StartTask& s, std::uint64_t now_ms) {
  Task t;
  t.info = {task_id(s.service, s.slot, s.version), s.service, s.slot, s.version, TaskState::kStarting};
  t.since_ms = now_ms;
  schedule(t, TaskState::kHealthy, now_ms + delay(faults_.start_delay_max_ms));
  pending_.push_back(change_of(t.info, now_ms));
  tasks_[t.info.id] = std::move(t);
}

void FakeRuntime::stop(const std::string& id, std::uint64_t now_ms) {
  auto it = tasks_.find(id);
  if (it == tasks_.end() || is_terminal(it->second.info.state)) return;
  Task& t = it->second;
  if (t.due_ms && t.next == TaskState::kShutdown) return;  // already stopping
  schedule(t, TaskState::kShutdown, now_ms + delay(faults_.stop_delay_max_ms));
}

bool FakeRuntime::forget(const std::string& id) {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return true;
  if (!is_terminal(it->second.info.state)) return false;  // a pending restart is dropped with it
  tasks_.erase(it);
  return true;
}

// A healthy task lives until it stops, or fails after an exponential lifetime (crash fault).
void FakeRuntime::after_healthy(Task& t, std::uint64_t now_ms) {
  t.due_ms.reset();
  if (faults_.crash_per_task_second <= 0.0) return;
  const double u = 1.0 - rng_.unit();  // (0, 1]
  const double life_s = -std::log(u) / faults_.crash_per_task_second;
  schedule(t, TaskState::kFailed, now_ms + static_cast<std::uint64_t>(life_s * 1000.0));
}

std::vector<TaskChange> FakeRuntime::poll(std::uint64_t now_ms) {
  std::vector<TaskChange> out = std::move(pending_);
  pending_.clear();
  for (;;) {
    // The earliest due transition first (ties by id): changes come out in time order.
    Task* due = nullptr;
    for (auto& [id, t] : tasks_)
      if (t.due_ms && *t.due_ms <= now_ms && (!due || *t.due_ms < *due->due_ms)) due = &t;
    if (!due) return out;
    const std::uint64_t at = *due->due_ms;
    due->info.state = due->next;
    due->since_ms = at;
    out.push_back(change_of(due->info, at));
    switch (due->next) {
      case TaskState::kHealthy: after_healthy(*due, at); break;
      case TaskState::kFailed: schedule(*due, TaskState::kStarting, at + faults_.restart_delay_ms); break;
      case TaskState::kStarting: schedule(*due, TaskState::kHealthy, at + delay(faults_.start_delay_max_ms)); break;
      default: due->due_ms.reset(); break;
    }
  }
}

void FakeRuntime::set_faults(const RuntimeFaults& f) {
  faults_ = f;
  if (f.crash_per_task_second > 0.0) return;
  for (auto& [id, t] : tasks_)
    if (t.info.state == TaskState::kHealthy && t.due_ms && t.next == TaskState::kFailed) t.due_ms.reset();
}

void FakeRuntime::reboot(std::uint64_t now_ms) {
  pending_.clear();
  for (auto& [id, t] : tasks_) {
    const bool stopping = t.due_ms && t.next == TaskState::kShutdown;
    const bool restarting = t.info.state == TaskState::kFailed && t.due_ms;
    if (is_terminal(t.info.state) && !restarting) continue;
    t.info.state = stopping ? TaskState::kShutdown : TaskState::kFailed;
    t.since_ms = now_ms;
    t.due_ms.reset();
    if (!stopping) schedule(t, TaskState::kStarting, now_ms + faults_.restart_delay_ms);
    pending_.push_back(change_of(t.info, now_ms));
  }
}

std::vector<LocalTask> FakeRuntime::list() const {
  std::vector<LocalTask> out;
  for (const auto& [id, t] : tasks_) out.push_back(t.info);
  return out;
}

std::vector<LocalTask> FakeRuntime::live() const {
  std::vector<LocalTask> out;
  for (const auto& [id, t] : tasks_)
    if (is_active(t.info.state)) out.push_back(t.info);
  return out;
}

std::optional<std::uint64_t> FakeRuntime::next_deadline_ms() const {
  std::optional<std::uint64_t> due;
  if (!pending_.empty()) return 0;
  for (const auto& [id, t] : tasks_)
    if (t.due_ms && (!due || *t.due_ms < *due)) due = t.due_ms;
  return due;
}

}  // namespace shoal::sim
