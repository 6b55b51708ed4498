// Whether a starting agent may act on its assignment yet (start and stop tasks).
//
// Right after a start the member list holds only this node, and the desired state is what was
// on disk: an assignment computed then puts every slot here. Acting on it started copies of
// other nodes' tasks, which the cluster then resolved by moving slots around (an agent killed
// and restarted at once swapped two of three slots between nodes). So an agent that expects
// peers (it has --join seeds, or its state names other nodes) holds its hand until it has a
// live peer and one complete anti-entropy exchange, i.e. the members and the state the cluster
// has; if that does not happen within the timeout it acts on what it knows, so a node that
// comes back cut off still runs its work (no quorum, no waiting forever). Tasks that survived
// the agent keep running meanwhile; only changes wait. Pure: the shell feeds time and facts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace shoal {

class SettleGate {
 public:
  enum class Why : std::uint8_t { kAlone, kSynced, kTimedOut };

  SettleGate(bool expect_peers, std::uint64_t start_ms, std::uint64_t timeout_ms)
      : expect_peers_(expect_peers), deadline_ms_(start_ms + timeout_ms) {}

  // A full anti-entropy exchange with a peer completed (its reply or its push was merged).
  void on_synced() { synced_ = true; }

  // Latches: once settled, the agent stays settled (a later partition is placement's business).
  bool settled(std::uint64_t now_ms, std::size_t alive_peers) {
    if (why_) return true;
    if (!expect_peers_) why_ = Why::kAlone;
    else if (synced_ && alive_peers > 0) why_ = Why::kSynced;
    else if (now_ms >= deadline_ms_) why_ = Why::kTimedOut;
    return why_.has_value();
  }

  bool is_settled() const { return why_.has_value(); }
  // Why it settled; meaningful once settled() returned true.
  Why why() const { return why_.value_or(Why::kAlone); }

 private:
  bool expect_peers_;
  std::uint64_t deadline_ms_;
  bool synced_ = false;
  std::optional<Why> why_;
};

}  // namespace shoal
