// Per-writer map: every entry belongs to exactly one node, the only one that writes it.
#pragma once

#include <map>
#include <optional>
#include <tuple>

#include "crdt/dot.h"
#include "common/hlc.h"

namespace shoal::crdt {

// One entry of one writer. `value` empty = deleted by its writer (a tombstone until GC).
template <typename V>
struct WriterEntry {
  std::uint64_t counter = 0;  // the writer's event counter: Dot{writer, counter}
  HlcTimestamp at;            // when written; used only by the GC horizon
  std::optional<V> value;

  bool newer_than(const WriterEntry& other) const {
    return std::tie(counter, at, value) > std::tie(other.counter, other.at, other.value);
  }
  bool operator==(const WriterEntry&) const = default;
};

// Merge rule: per (writer, key) the entry with the larger writer counter wins. A writer's
// counter only grows, so this is "the writer's latest word" and there are no conflicts. Equal
// counters with different contents (impossible from a correct writer) fall back to timestamp
// and value, so merge is a deterministic join on any input.
template <typename K, typename V>
struct PerWriterMap {
  std::map<NodeId, std::map<K, WriterEntry<V>>> writers;

  const V* get(const NodeId& writer, const K& key) const {
    auto w = writers.find(writer);
    if (w == writers.end()) return nullptr;
    auto e = w->second.find(key);
    if (e == w->second.end() || !e->second.value) return nullptr;
    return &*e->second.value;
  }

  // Local write by `writer` (the node itself); applies and returns the delta.
  PerWriterMap put(const NodeId& writer, const K& key, WriterEntry<V> entry) {
    PerWriterMap delta;
    delta.writers[writer].emplace(key, std::move(entry));
    merge(delta);
    return delta;
  }

  void merge(const PerWriterMap& other) {
    for (const auto& [writer, theirs] : other.writers) {
      auto& mine = writers[writer];
      for (const auto& [key, entry] : theirs) {
        auto [it, inserted] = mine.emplace(key, entry);
        if (!inserted && entry.newer_than(it->second)) it->second = entry;
      }
      if (mine.empty()) writers.erase(writer);
    }
  }

  bool operator==(const PerWriterMap&) const = default;
};

}  // namespace shoal::crdt
