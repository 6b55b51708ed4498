// Tasks of one service on one node, for the per-service spread limit. A flat open-addressing
// table: placement asks it about once per task placed, so it must cost a probe or two, and the
// sweep interleaves services, so a single "current service" counter is not enough.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "common/result.h"

namespace shoal::placement {

class ServiceCount {
 public:
  // Room for `expected` (service, node) pairs at a load factor of at most 1/2; the table
  // doubles if more come.
  explicit ServiceCount(std::size_t expected) {
    resize(std::bit_ceil(std::max<std::size_t>(16, expected * 2)));
  }

  std::uint32_t get(std::uint32_t service, std::uint32_t node) const {
    const std::uint64_t k = key(service, node);
    for (std::size_t i = slot(k);; i = (i + 1) & mask_) {
      if (keys_[i] == k) return counts_[i];
      if (keys_[i] == kEmpty) return 0;
    }
  }

  // One task of `service` leaves `node` (which must hold one). The key stays, with its count.
  void remove(std::uint32_t service, std::uint32_t node) {
    const std::uint64_t k = key(service, node);
    for (std::size_t i = slot(k);; i = (i + 1) & mask_) {
      SHOAL_ASSERT(keys_[i] != kEmpty);
      if (keys_[i] == k) {
        SHOAL_ASSERT(counts_[i] > 0);
        --counts_[i];
        return;
      }
    }
  }

  void add(std::uint32_t service, std::uint32_t node) {
    const std::uint64_t k = key(service, node);
    for (std::size_t i = slot(k);; i = (i + 1) & mask_) {
      if (keys_[i] == k) {
        ++counts_[i];
        return;
      }
      if (keys_[i] == kEmpty) {
        keys_[i] = k;
        counts_[i] = 1;
        if (++used_ > mask_ / 2) grow();  // the caller's size is a hint (a pull adds pairs)
        return;
      }
    }
  }

 private:
  void resize(std::size_t cap) {
    keys_.assign(cap, kEmpty);
    counts_.assign(cap, 0);
    mask_ = cap - 1;
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(cap));
    used_ = 0;
  }

  void grow() {
    std::vector<std::uint64_t> keys = std::move(keys_);
    std::vector<std::uint32_t> counts = std::move(counts_);
    resize(keys.size() * 2);
    for (std::size_t j = 0; j < keys.size(); ++j) {
      if (keys[j] == kEmpty) continue;
      std::size_t i = slot(keys[j]);
      while (keys_[i] != kEmpty) i = (i + 1) & mask_;
      keys_[i] = keys[j];
      counts_[i] = counts[j];
      ++used_;
    }
  }

  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  static std::uint64_t key(std::uint32_t service, std::uint32_t node) {
    return (std::uint64_t{service} << 32) | node;
  }
  std::size_t slot(std::uint64_t k) const {
    // Fibonacci hashing: the top bits of k * 2^64/phi spread consecutive nodes apart.
    return static_cast<std::size_t>((k * 0x9e3779b97f4a7c15ULL) >> shift_) & mask_;
  }

  std::vector<std::uint64_t> keys_;
  std::vector<std::uint32_t> counts_;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
  std::size_t used_ = 0;
};

}  // namespace shoal::placement
