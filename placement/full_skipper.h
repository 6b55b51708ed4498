// Skips ring points whose node is full (at the load cap) in amortised near-constant time.
//
// Under bounded loads a slot walks clockwise past full nodes. Late in a placement many nodes
// are full, and walking point by point would cost O(full run length) per slot. A node that is
// full stays full for the rest of the placement (loads only grow), so each point, once seen
// full, can be linked past for good: `next_[i]` points at or before the first non-full point
// >= i, and finds compress paths as in union-find ("next free slot" structure).
#pragma once

#include <cstdint>
#include <vector>

namespace shoal::placement {

class FullSkipper {
 public:
  explicit FullSkipper(std::size_t size) : next_(size + 1) {
    for (std::size_t i = 0; i <= size; ++i) next_[i] = static_cast<std::uint32_t>(i);
  }

  std::size_t size() const { return next_.size() - 1; }

  // First index >= i whose point is not full, or size() if none. `is_full(i)` must be monotone
  // (once true for an index, true for every later call).
  template <typename IsFull>
  std::size_t find(std::size_t i, IsFull&& is_full) {
    const std::size_t end = size();
    std::size_t root = i;
    while (root < end) {
      if (next_[root] != root) {
        root = next_[root];
      } else if (is_full(root)) {
        next_[root] = static_cast<std::uint32_t>(root + 1);
        root = root + 1;
      } else {
        break;
      }
    }
    // Path compression: everything visited now points straight at the answer.
    while (i < root) {
      std::size_t n = next_[i];
      next_[i] = static_cast<std::uint32_t>(root);
      i = n;
    }
    return root;
  }

 private:
  std::vector<std::uint32_t> next_;
};

}  // namespace shoal::placement
