#include "image/fetch_table.h"

#include <algorithm>

namespace shoal::image {

FetchTable::Decision FetchTable::request(const Digest& digest, WaiterId waiter) {
  auto it = waiters_.find(digest);
  if (it == waiters_.end()) {
    if (waiters_.size() >= kMaxInFlight) return Decision::kBusy;
    waiters_.emplace(digest, std::vector<WaiterId>{waiter});
    return Decision::kStart;
  }
  if (it->second.size() >= kMaxWaitersPerDigest) return Decision::kBusy;
  it->second.push_back(waiter);
  return Decision::kJoin;
}

std::vector<FetchTable::WaiterId> FetchTable::finish(const Digest& digest) {
  auto it = waiters_.find(digest);
  if (it == waiters_.end()) return {};
  std::vector<WaiterId> out = std::move(it->second);
  waiters_.erase(it);
  return out;
}

void FetchTable::cancel(const Digest& digest, WaiterId waiter) {
  auto it = waiters_.find(digest);
  if (it == waiters_.end()) return;
  auto& list = it->second;
  // The starter (first) stays: it is the one fetching, and only finish() releases it.
  const auto pos = std::find(list.begin() + 1, list.end(), waiter);
  if (pos != list.end()) list.erase(pos);
}

}  // namespace shoal::image
