#include "crdt/service.h"

namespace shoal::crdt {

const char* to_string(Driver v) { return v == Driver::kOci ? "oci" : "process"; }
const char* to_string(ServiceMode v) { return v == ServiceMode::kGlobal ? "global" : "replicated"; }
const char* to_string(FailureAction v) {
  switch (v) {
    case FailureAction::kPause: return "pause";
    case FailureAction::kContinue: return "continue";
    case FailureAction::kRollback: return "rollback";
  }
  return "unknown";
}
const char* to_string(UpdateOrder v) {
  return v == UpdateOrder::kStartFirst ? "start-first" : "stop-first";
}
const char* to_string(ConstraintOp v) { return v == ConstraintOp::kNe ? "!=" : "=="; }
const char* to_string(PortProtocol v) { return v == PortProtocol::kUdp ? "udp" : "tcp"; }
const char* to_string(RestartCondition v) {
  switch (v) {
    case RestartCondition::kOnFailure: return "on-failure";
    case RestartCondition::kAny: return "any";
    case RestartCondition::kNone: return "none";
  }
  return "unknown";
}

}  // namespace shoal::crdt
