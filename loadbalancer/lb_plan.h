// The pure diff between the applied and the desired load-balancer state. A service that
// appears yields AddService then one AddBackend per backend; one that goes yields DelService
// only (the kernel drops its backends with it); a service whose backends changed yields exactly
// the backends added and removed. Removals come before additions within a service so a backend
// moving port never exists twice.
#pragma once

#include <vector>

#include "loadbalancer/lb_types.h"

namespace shoal {

std::vector<LbOp> plan_lb(const LbState& applied, const LbState& desired);

// The state after applying `ops` to `state` (used by tests and by backends that track state).
LbState apply_ops(LbState state, const std::vector<LbOp>& ops);
// The same without a copy (LoadBalancer keeps its applied state this way: copying 10k services
// on every sync cost more than the kernel update, measured by bench/lb).
void apply_ops_in_place(LbState& state, const std::vector<LbOp>& ops);

}  // namespace shoal
