#include "common/replay_filter.h"

#include <algorithm>

#include "common/result.h"

namespace shoal {

namespace {

using Bits = std::array<std::uint64_t, ReplayFilter::kWindowPackets / 64>;

bool test_bit(const Bits& bits, std::uint64_t c) {
  const std::uint64_t i = c % ReplayFilter::kWindowPackets;
  return (bits[i / 64] >> (i % 64)) & 1u;
}
void set_bit(Bits& bits, std::uint64_t c, bool on) {
  const std::uint64_t i = c % ReplayFilter::kWindowPackets;
  if (on) bits[i / 64] |= std::uint64_t{1} << (i % 64);
  else bits[i / 64] &= ~(std::uint64_t{1} << (i % 64));
}

}  // namespace

const char* replay_verdict_name(ReplayVerdict verdict) {
  switch (verdict) {
    case ReplayVerdict::kFresh: return "fresh";
    case ReplayVerdict::kDuplicate: return "duplicate";
    case ReplayVerdict::kTooOld: return "too_old";
    case ReplayVerdict::kRetiredEpoch: return "retired_epoch";
    case ReplayVerdict::kInvalid: return "invalid";
  }
  return "unknown";
}

ReplayFilter::ReplayFilter(std::uint64_t own_epoch, ReplayFilterConfig config)
    : own_epoch_(own_epoch), config_(config) {
  SHOAL_ASSERT(own_epoch_ != 0);
  SHOAL_ASSERT(config_.peers_max > 0);
}

ReplayFilter::Peer& ReplayFilter::peer(std::uint64_t sender_id) {
  auto it = peers_.find(sender_id);
  if (it != peers_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);  // most recently heard first
    return it->second;
  }
  if (peers_.size() >= config_.peers_max) {
    peers_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(sender_id);
  Peer& p = peers_[sender_id];
  p.lru = lru_.begin();
  return p;
}

std::uint64_t ReplayFilter::current_epoch(std::uint64_t sender_id) const {
  auto it = peers_.find(sender_id);
  return it == peers_.end() ? 0 : it->second.current.epoch;
}

// `epoch` (the candidate's, or one never seen) becomes current; the old current is retired.
void ReplayFilter::promote(Peer& p, std::uint64_t epoch) {
  if (p.current.epoch != 0) {
    ++epoch_changes_;
    p.retired.push_back(p.current.epoch);
    if (p.retired.size() > config_.retired_epochs_max) p.retired.erase(p.retired.begin());
  }
  if (p.candidate.epoch == epoch) {
    p.current = p.candidate;
  } else {
    p.current = Window{};
    p.current.epoch = epoch;
  }
  p.candidate = Window{};
}

ReplayVerdict ReplayFilter::check_window(Window& w, std::uint64_t counter) {
  if (counter > w.newest) {
    // Slide: clear the bits of the counters entering the window (newest+1 .. counter).
    if (counter - w.newest >= kWindowPackets) {
      w.seen.fill(0);
    } else {
      for (std::uint64_t c = w.newest + 1; c <= counter; ++c) set_bit(w.seen, c, false);
    }
    w.newest = counter;
    set_bit(w.seen, counter, true);
    return ReplayVerdict::kFresh;
  }
  if (w.newest - counter >= kWindowPackets) return ReplayVerdict::kTooOld;
  if (test_bit(w.seen, counter)) return ReplayVerdict::kDuplicate;
  set_bit(w.seen, counter, true);
  return ReplayVerdict::kFresh;
}

ReplayVerdict ReplayFilter::accept(std::uint64_t sender_id, std::uint64_t epoch, std::uint64_t counter,
                                   std::uint64_t echo) {
  if (epoch == 0 || counter == 0) return ReplayVerdict::kInvalid;
  Peer& p = peer(sender_id);
  if (epoch == p.current.epoch) return check_window(p.current, counter);
  if (std::find(p.retired.begin(), p.retired.end(), epoch) != p.retired.end()) return ReplayVerdict::kRetiredEpoch;
  // A first contact, or a packet that proves its sender heard this life of ours: the peer's
  // live session.
  if (p.current.epoch == 0 || echo == own_epoch_) {
    promote(p, epoch);
    return check_window(p.current, counter);
  }
  // Unconfirmed: accept within its own window, retire nothing.
  if (p.candidate.epoch != epoch) {
    p.candidate = Window{};
    p.candidate.epoch = epoch;
  }
  return check_window(p.candidate, counter);
}

}  // namespace shoal
