// Name -> index lookup for place()'s sorted name tables (nodes, services). The running-task list
// has one entry per task (a million in the benchmark), each naming its service and node, so a
// binary search over strings per entry costs ~30 string compares; this is one xxh3 of the name
// and a probe or two. Lookups only: nothing iterates the table, so it never decides an outcome.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "common/node_id.h"

namespace shoal::placement {

class NameIndex {
 public:
  static constexpr std::uint32_t kMissing = std::numeric_limits<std::uint32_t>::max();

  // `names[i]` must stay alive and unchanged while the index is used; `hashes[i]` is
  // stable_hash(names[i]). Names are unique (place() checks that before).
  NameIndex(std::vector<std::string_view> names, const std::vector<std::uint64_t>& hashes)
      : names_(std::move(names)) {
    std::size_t cap = std::bit_ceil(std::max<std::size_t>(16, names_.size() * 2));
    slots_.assign(cap, Entry{0, kMissing});
    mask_ = cap - 1;
    for (std::uint32_t i = 0; i < names_.size(); ++i) {
      std::size_t s = hashes[i] & mask_;
      while (slots_[s].index != kMissing) s = (s + 1) & mask_;
      slots_[s] = Entry{hashes[i], i};
    }
  }

  // The index of `name`, or kMissing.
  std::uint32_t find(std::string_view name) const {
    const std::uint64_t h = stable_hash(name);
    for (std::size_t s = h & mask_;; s = (s + 1) & mask_) {
      const Entry& e = slots_[s];
      if (e.index == kMissing) return kMissing;
      if (e.hash == h && names_[e.index] == name) return e.index;
    }
  }

 private:
  struct Entry {
    std::uint64_t hash;
    std::uint32_t index;
  };
  std::vector<std::string_view> names_;
  std::vector<Entry> slots_;
  std::size_t mask_ = 0;
};

}  // namespace shoal::placement
