// One interface for the kernel load balancers (IPVS, nftables), chosen at agent start.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "loadbalancer/lb_types.h"

namespace shoal {

class LbBackend {
 public:
  virtual ~LbBackend() = default;
  virtual const char* name() const = 0;
  // Removes everything shoal programmed before (a fresh start owns an empty slate).
  virtual Status reset() = 0;
  // Applies the ops in order. nftables applies them as one atomic transaction; IPVS one
  // message at a time (a failure leaves the earlier ops applied: callers then reset and resync).
  virtual Status apply(const std::vector<LbOp>& ops) = 0;
};

// Level-triggered driver: sync(desired) sends only the difference from what was applied.
// After a failed apply it resets the backend and reprograms everything on the next sync, so
// the kernel never stays half-updated for longer than one pass.
class LoadBalancer {
 public:
  explicit LoadBalancer(LbBackend& backend) : backend_(backend) {}

  Status sync(const LbState& desired);
  const LbState& applied() const { return applied_; }
  // Ops the last sync sent (for metrics and tests).
  std::size_t last_op_count() const { return last_op_count_; }

 private:
  LbBackend& backend_;
  LbState applied_;
  bool dirty_ = true;  // unknown kernel state: reset before the next apply
  std::size_t last_op_count_ = 0;
};

}  // namespace shoal
