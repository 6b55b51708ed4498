// Deduplicates concurrent fetches of one blob: the first request for a digest starts a fetch,
// later ones wait for it; when it ends, every waiter gets the same outcome. Pure bookkeeping
// (no threads, no I/O): the shell calls request() and finish() under its own lock or from its
// one event loop, and does the fetching and the waking.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "image/digest.h"

namespace shoal::image {

class FetchTable {
 public:
  using WaiterId = std::uint64_t;

  // Bound on fetches in flight at once (distinct digests): a pull of an image with the
  // manifest limit of 256 layers fits, with room for a few images at once.
  static constexpr std::size_t kMaxInFlight = 1024;
  // Bound on waiters of one digest (tasks of one node starting the same image at once).
  static constexpr std::size_t kMaxWaitersPerDigest = 4096;

  enum class Decision {
    kStart,  // no fetch of this digest was running: the caller fetches it
    kJoin,   // one is running: the caller waits for finish()
    kBusy,   // a bound is reached: the caller retries later (a transient, reportable state)
  };

  Decision request(const Digest& digest, WaiterId waiter);
  // The fetch of `digest` ended (either way); returns everyone to notify, the starter first,
  // and forgets the digest so a later request (e.g. a retry after failure) starts anew.
  std::vector<WaiterId> finish(const Digest& digest);
  // A waiter gave up (its task was removed). The fetch keeps going for the others; if the
  // starter cancels, it still owns the fetch until finish().
  void cancel(const Digest& digest, WaiterId waiter);

  bool in_flight(const Digest& digest) const { return waiters_.count(digest) != 0; }
  std::size_t size() const { return waiters_.size(); }

 private:
  std::map<Digest, std::vector<WaiterId>> waiters_;  // ordered: deterministic iteration
};

}  // namespace shoal::image
