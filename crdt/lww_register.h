// Last-writer-wins register stamped with the hybrid logical clock.
#pragma once

#include <tuple>

#include "common/hlc.h"
#include "crdt/dot.h"

namespace shoal::crdt {

// Merge rule: the write with the larger HLC timestamp wins; equal timestamps are broken by the
// writer's node id (larger name wins), so every replica picks the same value. One writer never
// issues two equal timestamps (its HLC ticks strictly), but untrusted or buggy input could; the
// counter and then the value itself break that last tie, so merge stays a deterministic join
// (commutative, associative, idempotent) on any input.
template <typename T>
struct LwwRegister {
  T value{};
  HlcTimestamp at;
  Dot dot;  // the write event that set this value (anti-entropy sends it if a peer lacks it)

  bool wins_over(const LwwRegister& other) const {
    return std::tie(at, dot.writer, dot.counter, value) >
           std::tie(other.at, other.dot.writer, other.dot.counter, other.value);
  }
  void merge(const LwwRegister& other) {
    if (other.wins_over(*this)) *this = other;
  }

  bool operator==(const LwwRegister&) const = default;
};

}  // namespace shoal::crdt
