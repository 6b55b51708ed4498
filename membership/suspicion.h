// Lifeguard's dynamic suspicion timeout (memberlist suspicion.go). A suspected member is
// declared failed when its timer expires. The timer starts at a maximum and shrinks towards a
// minimum as other members independently confirm the suspicion: a lone (possibly mistaken)
// accuser must wait long, while a real failure that many see is declared quickly.
//   min = suspicion_mult * max(1, log10(N)) * probe_interval
//   max = suspicion_max_timeout_mult * min
//   timeout(C) = max(min, max - (max - min) * log(C + 1) / log(K + 1))
// where C = independent confirmations so far (at most K).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shoal::membership {

// The minimum suspicion timeout for a cluster of n members.
std::uint64_t suspicion_min_timeout_ms(std::uint32_t suspicion_mult, std::size_t n,
                                       std::uint64_t probe_interval_ms);

// Confirmations we wait for before the timer reaches its minimum: suspicion_mult - 2 (we hit
// the minimum two probe periods before the nominal timeout), or 0 if fewer than that many
// members other than us and the suspect could confirm.
std::uint32_t suspicion_expected_confirmations(std::uint32_t suspicion_mult, std::size_t n);

// Total timeout (from the start of suspicion) after `confirmations` of `expected`.
std::uint64_t suspicion_timeout_ms(std::uint32_t confirmations, std::uint32_t expected,
                                   std::uint64_t min_ms, std::uint64_t max_ms);

class Suspicion {
 public:
  // `first_accuser` starts the suspicion; it does not count as a confirmation.
  Suspicion(std::string first_accuser, std::uint32_t expected, std::uint64_t min_ms,
            std::uint64_t max_ms, std::uint64_t start_ms);

  // Records an accusation. True if it is a new, independent confirmation (not a repeat, and
  // fewer than `expected` so far), which moves the deadline earlier.
  bool confirm(const std::string& accuser);

  std::uint64_t deadline_ms() const { return deadline_ms_; }
  std::uint32_t confirmations() const { return confirmations_; }
  std::uint64_t start_ms() const { return start_ms_; }

 private:
  std::vector<std::string> accusers_;  // at most expected + 1 entries
  std::uint32_t expected_;
  std::uint32_t confirmations_ = 0;
  std::uint64_t min_ms_;
  std::uint64_t max_ms_;
  std::uint64_t start_ms_;
  std::uint64_t deadline_ms_;
};

}  // namespace shoal::membership
