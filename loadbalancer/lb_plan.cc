#include "loadbalancer/lb_plan.h"

#include <algorithm>
#include <iterator>

namespace shoal {

namespace {

void diff_backends(const ServiceKey& key, const BackendSet& have, const BackendSet& want,
                   std::vector<LbOp>& out) {
  if (have == want) return;  // the common case at scale: no allocation for unchanged services
  std::vector<Backend> gone, added;
  std::set_difference(have.begin(), have.end(), want.begin(), want.end(), std::back_inserter(gone));
  std::set_difference(want.begin(), want.end(), have.begin(), have.end(), std::back_inserter(added));
  for (const auto& b : gone) out.push_back(DelBackend{key, b});
  for (const auto& b : added) out.push_back(AddBackend{key, b});
}

}  // namespace

std::vector<LbOp> plan_lb(const LbState& applied, const LbState& desired) {
  std::vector<LbOp> ops;
  auto have = applied.begin();
  auto want = desired.begin();
  static const BackendSet kNone;
  while (have != applied.end() || want != desired.end()) {
    if (want == desired.end() || (have != applied.end() && have->first < want->first)) {
      ops.push_back(DelService{have->first});
      ++have;
    } else if (have == applied.end() || want->first < have->first) {
      ops.push_back(AddService{want->first});
      diff_backends(want->first, kNone, want->second, ops);
      ++want;
    } else {
      diff_backends(want->first, have->second, want->second, ops);
      ++have;
      ++want;
    }
  }
  return ops;
}

LbState apply_ops(LbState state, const std::vector<LbOp>& ops) {
  apply_ops_in_place(state, ops);
  return state;
}

void apply_ops_in_place(LbState& state, const std::vector<LbOp>& ops) {
  for (const auto& op : ops) {
    if (auto* o = std::get_if<AddService>(&op)) state[o->key];
    else if (auto* o = std::get_if<DelService>(&op)) state.erase(o->key);
    else if (auto* o = std::get_if<AddBackend>(&op)) state[o->key].insert(o->backend);
    else if (auto* o = std::get_if<DelBackend>(&op)) state[o->key].erase(o->backend);
  }
}

}  // namespace shoal
