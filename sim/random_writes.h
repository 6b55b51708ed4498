// Random user writes for whole-cluster scenarios (sim/cluster.h), as the agent's API commands
// issue them: service create / scale / update / rollback / rm, node availability. Some fail
// (scale of a service the node does not see, rollback without a previous spec): those are
// answered with an error and not acknowledged.
#pragma once

#include <array>
#include <string>

#include "common/rng.h"
#include "sim/cluster.h"

namespace shoal::sim {

inline const std::array<const char*, 4> kServiceNames = {"web", "db", "cache", "api"};

inline crdt::ServiceSpec random_spec(Rng& rng, bool allow_global) {
  crdt::ServiceSpec spec;
  spec.task.command = "/usr/bin/app";
  spec.task.args = {"--build=" + std::to_string(rng.below(1000))};
  spec.replicas = 1 + static_cast<std::uint32_t>(rng.below(4));
  if (allow_global && rng.chance(0.15)) spec.mode = ServiceMode::kGlobal;
  return spec;
}

// One random write on `node`; the answer (ok = acknowledged).
inline Status random_write(Cluster& c, NodeIndex node, Rng& rng, bool availability = true) {
  if (!availability || rng.below(100) < 75) {
    const std::string name = kServiceNames[rng.below(kServiceNames.size())];
    const bool exists = c.state(node).service(name) != nullptr;
    const std::uint64_t op = rng.below(100);
    const crdt::ServiceSpec spec = random_spec(rng, true);
    const auto replicas = static_cast<std::uint32_t>(1 + rng.below(4));
    const std::uint64_t wall = c.sim().wall_ms(node);
    return c.write(node, [=](crdt::Replica& r) -> Result<crdt::DesiredState> {
      if (!exists) return r.create_service(wall, name, spec);
      if (op < 40) return r.scale_service(wall, name, replicas);
      if (op < 65) return r.update_service(wall, name, spec);
      if (op < 75) return r.rollback_service(wall, name);
      return r.remove_service(wall, name);
    });
  }
  const NodeId target{c.sim().name(static_cast<NodeIndex>(rng.below(c.size())))};
  // Mostly active: a cluster drained everywhere places nothing and proves little.
  const std::uint64_t roll = rng.below(10);
  const Availability value = roll < 6 ? Availability::kActive : roll < 8 ? Availability::kPause : Availability::kDrain;
  const std::uint64_t wall = c.sim().wall_ms(node);
  return c.write(node, [=](crdt::Replica& r) -> Result<crdt::DesiredState> {
    return r.set_availability(wall, target, value);
  });
}


}  // namespace shoal::sim
