// The simulated runtime of one node: the subset of runtime::Runtime the agent's workload loop
// uses (agent/workload.cc: start, stop, forget, poll, list), with no processes. Tasks start,
// become healthy, fail and are restarted, stop, after seeded delays (sim/runtime_faults.h).
// Time is the node's monotonic clock, as the real runtime's. Deterministic: one seed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/rng.h"
#include "node/reconcile.h"
#include "sim/runtime_faults.h"

namespace shoal::sim {

// A task's change of state, as runtime::Runtime::poll reports it (since_ms monotonic).
struct TaskChange {
  std::string id;
  std::string service;
  std::uint32_t slot = 0;
  std::uint64_t version = 0;
  TaskState state = TaskState::kAssigned;
  std::uint64_t since_ms = 0;
};

class FakeRuntime {
 public:
  FakeRuntime(std::uint64_t seed, RuntimeFaults faults) : rng_(seed), faults_(faults) {}

  // Starts (or starts again) the task of a slot version; its id is node/reconcile.h task_id.
  void start(const StartTask& s, std::uint64_t now_ms);
  // Stops a live task (no-op if it is terminal or already stopping).
  void stop(const std::string& id, std::uint64_t now_ms);
  // Drops a terminal task's record; false while it is live (as runtime::Runtime::forget).
  bool forget(const std::string& id);
  // Every change of state due by now, in time order.
  std::vector<TaskChange> poll(std::uint64_t now_ms);
  std::vector<LocalTask> list() const;
  std::optional<std::uint64_t> next_deadline_ms() const;
  // The machine rebooted with its task records kept (runtime::Runtime::open on a node whose
  // processes are gone): every task that was live is failed ("exited while the agent was not
  // running") and its restart policy starts it again; one being stopped is shut down.
  void reboot(std::uint64_t now_ms);
  // Applies to delays drawn from now on; with no crash rate, failures already drawn are called
  // off too (a liveness phase must not see tasks fail after faults stopped).
  void set_faults(const RuntimeFaults& f);

  // Tasks started and not ended (starting, running, healthy): what "runs" on this node.
  std::vector<LocalTask> live() const;

 private:
  struct Task {
    LocalTask info;
    std::uint64_t since_ms = 0;
    std::optional<std::uint64_t> due_ms;  // when `next` happens
    TaskState next = TaskState::kAssigned;
  };

  void schedule(Task& t, TaskState next, std::uint64_t at_ms);
  void after_healthy(Task& t, std::uint64_t now_ms);
  std::uint64_t delay(std::uint64_t max_ms) { return max_ms == 0 ? 0 : rng_.below(max_ms + 1); }

  Rng rng_;
  RuntimeFaults faults_;
  std::map<std::string, Task> tasks_;  // by id: iteration order is fixed
  std::vector<TaskChange> pending_;    // changes made by start/stop, reported at the next poll
};

}  // namespace shoal::sim
