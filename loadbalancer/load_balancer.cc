#include "loadbalancer/lb_backend.h"
#include "loadbalancer/lb_plan.h"

namespace shoal {

Status LoadBalancer::sync(const LbState& desired) {
  if (dirty_) {
    if (auto st = backend_.reset(); !st) return st;
    applied_.clear();
    dirty_ = false;
  }
  auto ops = plan_lb(applied_, desired);
  last_op_count_ = ops.size();
  if (ops.empty()) return {};
  if (auto st = backend_.apply(ops); !st) {
    dirty_ = true;
    return make_error(std::string(backend_.name()) + ": " + st.message());
  }
  apply_ops_in_place(applied_, ops);
  return {};
}

}  // namespace shoal
