#include "crdt/service.h"

namespace shoal::crdt {

const char* to_string(Driver v) { return v == Driver::kOci ? "oci" : "process"; }
const char* to_string(PortProtocol v) { return v == PortProtocol::kUdp ? "udp" : "tcp"; }
const char* to_string(RestartCondition v) {
  switch (v) {
    case RestartCondition::kOnFailure: return "on-failure";
    case RestartCondition::kAny: return "any";
    case RestartCondition::kNone: return "none";
  }
  return "unknown";
}

const char* to_string(ServiceField v) {
  switch (v) {
    case ServiceField::kScale: return "scale";
    case ServiceField::kTemplate: return "template";
    case ServiceField::kUpdateConfig: return "update-config";
    case ServiceField::kPlacement: return "placement";
    case ServiceField::kPorts: return "ports";
    case ServiceField::kLabels: return "labels";
  }
  return "unknown";
}

}  // namespace shoal::crdt
