#include "crdt/dot.h"

#include <algorithm>

namespace shoal::crdt {

CausalContext CausalContext::from_parts(VersionVector vv, std::set<Dot> cloud) {
  CausalContext cc;
  for (auto& [writer, n] : vv) {
    if (n > 0) cc.vv_.emplace(writer, n);
  }
  cc.cloud_ = std::move(cloud);
  cc.compact();
  return cc;
}

bool CausalContext::contains(const Dot& dot) const {
  auto it = vv_.find(dot.writer);
  if (it != vv_.end() && dot.counter <= it->second) return true;
  return cloud_.count(dot) > 0;
}

void CausalContext::add(const Dot& dot) {
  if (dot.counter == 0 || contains(dot)) return;
  cloud_.insert(dot);
  compact();
}

void CausalContext::merge(const CausalContext& other) {
  for (const auto& [writer, n] : other.vv_) {
    auto& mine = vv_[writer];
    mine = std::max(mine, n);
  }
  cloud_.insert(other.cloud_.begin(), other.cloud_.end());
  compact();
}

bool CausalContext::covers(const CausalContext& other) const {
  for (const auto& [writer, n] : other.vv_) {
    auto it = vv_.find(writer);
    std::uint64_t prefix = it == vv_.end() ? 0 : it->second;
    // Counters prefix+1..n must all be in the cloud; bounded by the cloud's size.
    if (n > prefix && n - prefix > cloud_.size()) return false;
    for (std::uint64_t c = prefix + 1; c <= n; ++c) {
      if (cloud_.count(Dot{writer, c}) == 0) return false;
    }
  }
  return std::all_of(other.cloud_.begin(), other.cloud_.end(),
                     [this](const Dot& d) { return contains(d); });
}

std::uint64_t CausalContext::max_counter(const NodeId& writer) const {
  std::uint64_t best = 0;
  if (auto it = vv_.find(writer); it != vv_.end()) best = it->second;
  // The cloud is ordered by (writer, counter): the last dot of this writer is its highest.
  auto it = cloud_.upper_bound(Dot{writer, UINT64_MAX});
  if (it != cloud_.begin()) {
    --it;
    if (it->writer == writer) best = std::max(best, it->counter);
  }
  return best;
}

void CausalContext::compact() {
  for (auto it = cloud_.begin(); it != cloud_.end();) {
    auto& prefix = vv_[it->writer];
    if (it->counter <= prefix) {
      it = cloud_.erase(it);
    } else if (it->counter == prefix + 1) {
      prefix = it->counter;
      it = cloud_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = vv_.begin(); it != vv_.end();) {
    it = it->second == 0 ? vv_.erase(it) : std::next(it);
  }
}

}  // namespace shoal::crdt
