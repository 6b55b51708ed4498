// Task status as gossiped by the node that runs the task (the only writer, so no conflicts):
// what update_plan reads to know how far a rolling update has come.
#pragma once

#include <cstdint>
#include <string>

#include "common/node_id.h"
#include "common/vocabulary.h"

namespace shoal::placement {

using shoal::TaskState;  // common/vocabulary.h

struct TaskStatus {
  std::string service;
  std::uint32_t slot = 0;          // replica number; kGlobalSlot for global services
  NodeId node;                     // the node running it (names global tasks)
  std::uint64_t spec_version = 0;  // the service spec version the task runs
  TaskState state = TaskState::kAssigned;
  std::uint64_t since_ms = 0;      // when it entered `state` (the runner's clock)
};

}  // namespace shoal::placement
