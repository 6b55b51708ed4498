#include "common/vocabulary.h"

namespace shoal {

const char* to_string(TaskState v) {
  switch (v) {
    case TaskState::kAssigned: return "assigned";
    case TaskState::kStarting: return "starting";
    case TaskState::kRunning: return "running";
    case TaskState::kHealthy: return "healthy";
    case TaskState::kFailed: return "failed";
    case TaskState::kShutdown: return "shutdown";
    case TaskState::kPreparing: return "preparing";
  }
  return "unknown";
}

const char* to_string(FailureAction v) {
  switch (v) {
    case FailureAction::kPause: return "pause";
    case FailureAction::kContinue: return "continue";
    case FailureAction::kRollback: return "rollback";
  }
  return "unknown";
}

const char* to_string(OnPartition v) {
  switch (v) {
    case OnPartition::kDuplicate: return "duplicate";
    case OnPartition::kMajority: return "majority";
    case OnPartition::kPinned: return "pinned";
  }
  return "unknown";
}
const char* to_string(UpdateOrder v) { return v == UpdateOrder::kStartFirst ? "start-first" : "stop-first"; }

const char* to_string(Availability v) {
  switch (v) {
    case Availability::kActive: return "active";
    case Availability::kPause: return "pause";
    case Availability::kDrain: return "drain";
  }
  return "unknown";
}

const char* to_string(ServiceMode v) { return v == ServiceMode::kGlobal ? "global" : "replicated"; }
const char* to_string(ConstraintOp v) { return v == ConstraintOp::kNe ? "!=" : "=="; }

}  // namespace shoal
