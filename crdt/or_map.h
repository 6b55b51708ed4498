// Add-wins observed-remove map whose values are LWW registers.
#pragma once

#include <concepts>
#include <map>
#include <optional>
#include <vector>

#include "crdt/lww_register.h"

namespace shoal::crdt {

// A delete marker for one write (dot) of a key: which event removed it, and when (the HLC time
// of that event, used only by the GC horizon).
struct Tombstone {
  Dot removed_by;
  HlcTimestamp at;

  auto operator<=>(const Tombstone&) const = default;
  bool operator==(const Tombstone&) const = default;
};

// A value type whose concurrent writes merge by a rule of its own (found by ADL, e.g.
// crdt/service_merge.h) instead of the newest whole value winning.
template <typename T>
concept MergesConcurrentWrites = requires(const std::map<Dot, LwwRegister<T>>& live) {
  { resolve_concurrent(live) } -> std::same_as<LwwRegister<T>>;
};

// One key: the writes of it not yet removed, and tombstones for the removed ones.
// Invariant (after every operation): no dot is both live and removed.
template <typename T>
struct OrMapEntry {
  std::map<Dot, LwwRegister<T>> live;
  std::map<Dot, Tombstone> removed;

  bool present() const { return !live.empty(); }

  // The visible value. Concurrent writes that both survive resolve by LWW, or by the type's
  // own rule (MergesConcurrentWrites), computed once per set of live writes.
  const LwwRegister<T>* winner() const {
    if constexpr (MergesConcurrentWrites<T>) {
      if (live.size() > 1) {
        if (!resolved_ || resolved_from_ != live_dots()) {
          resolved_ = resolve_concurrent(live);
          resolved_from_ = live_dots();
        }
        return &*resolved_;
      }
    }
    const LwwRegister<T>* best = nullptr;
    for (const auto& [dot, reg] : live) {
      if (best == nullptr || reg.wins_over(*best)) best = &reg;
    }
    return best;
  }

  // Any change of `live` must call this (OrMap::merge does): the cached value is stale.
  void forget_resolved() { resolved_.reset(); }

  bool operator==(const OrMapEntry& o) const { return live == o.live && removed == o.removed; }

 private:
  std::vector<Dot> live_dots() const {
    std::vector<Dot> out;
    for (const auto& [dot, reg] : live) out.push_back(dot);
    return out;
  }
  // The resolved value and the writes it was computed from (checked on read, so a copy or a
  // direct edit of `live` can never serve a stale value).
  mutable std::optional<LwwRegister<T>> resolved_;
  mutable std::vector<Dot> resolved_from_;
};

// Merge rule (per key, per dot): live = union of live writes minus every dot tombstoned on
// either side; tombstones = union (if two removes hit the same dot, the smaller remover is kept,
// any one suffices). It is a two-phase set of write dots, hence a join semilattice.
// Add-wins: a write replaces only the dots its writer had observed, and a remove tombstones only
// observed dots, so a write concurrent with a remove has an unobserved dot and survives.
// Re-creating a removed key is a fresh write with a fresh dot, so `create` after `rm` works.
template <typename K, typename T>
struct OrMap {
  std::map<K, OrMapEntry<T>> entries;

  const LwwRegister<T>* get(const K& key) const {
    auto it = entries.find(key);
    return it == entries.end() ? nullptr : it->second.winner();
  }

  // Local write: `reg` (with a fresh dot) replaces every write of `key` seen so far. Applies it
  // here and returns the delta (the new write + tombstones of the replaced ones).
  OrMap put(const K& key, const LwwRegister<T>& reg) {
    OrMap delta;
    auto& d = delta.entries[key];
    d.live.emplace(reg.dot, reg);
    tombstone_observed(key, Tombstone{reg.dot, reg.at}, d);
    merge(delta);
    return delta;
  }

  // Local remove: tombstones every write of `key` seen so far. Applies it; returns the delta.
  OrMap remove(const K& key, const Dot& by, HlcTimestamp at) {
    OrMap delta;
    auto& d = delta.entries[key];
    tombstone_observed(key, Tombstone{by, at}, d);
    merge(delta);
    return delta;
  }

  void merge(const OrMap& other) {
    for (const auto& [key, theirs] : other.entries) {
      auto& mine = entries[key];
      for (const auto& [dot, stone] : theirs.removed) {
        auto [it, inserted] = mine.removed.emplace(dot, stone);
        if (!inserted && stone < it->second) it->second = stone;
      }
      for (const auto& [dot, reg] : theirs.live) {
        auto [it, inserted] = mine.live.emplace(dot, reg);
        if (!inserted) it->second.merge(reg);
      }
      for (const auto& [dot, stone] : mine.removed) mine.live.erase(dot);
      mine.forget_resolved();
      if (mine.live.empty() && mine.removed.empty()) entries.erase(key);
    }
  }

  bool operator==(const OrMap&) const = default;

 private:
  void tombstone_observed(const K& key, const Tombstone& stone, OrMapEntry<T>& delta) const {
    auto it = entries.find(key);
    if (it == entries.end()) return;
    for (const auto& [dot, reg] : it->second.live) delta.removed.emplace(dot, stone);
  }
};

}  // namespace shoal::crdt
