#include "crdt/digest.h"

#include <xxhash.h>

#include "crdt/wire.h"

namespace shoal::crdt {
namespace {

// Which bucket an item belongs to: by its key only (so the same item lands in the same bucket
// on every node, whatever its content). The kind prefix keeps the three maps apart.
std::size_t bucket_of(std::string_view kind, std::string_view key, std::size_t count) {
  std::string bytes(kind);
  bytes += key;
  return static_cast<std::size_t>(stable_hash(bytes) % count);
}

std::string task_key_bytes(const NodeId& runner, const TaskKey& key) {
  return runner.name + '\0' + key.service + '\0' + std::to_string(key.slot);
}

// Calls fn(bucket, bytes of the item) for every item of the state.
template <typename Fn>
void for_each_item(const DesiredState& s, std::size_t count, Fn&& fn) {
  msgpack::sbuffer buf;
  auto emit = [&](std::size_t bucket) {
    fn(bucket, buf.data(), buf.size());
    buf.clear();
  };
  for (const auto& [name, entry] : s.services.entries) {
    wire::Packer pk(buf);
    wire::pack_service_item(pk, name, entry);
    emit(bucket_of("s", name, count));
  }
  for (const auto& [node, reg] : s.availability) {
    wire::Packer pk(buf);
    wire::pack_availability_item(pk, node, reg);
    emit(bucket_of("a", node.name, count));
  }
  for (const auto& [runner, entries] : s.tasks.writers) {
    for (const auto& [key, entry] : entries) {
      wire::Packer pk(buf);
      wire::pack_task_item(pk, key, entry);
      emit(bucket_of("t", task_key_bytes(runner, key), count));
    }
  }
}

bool missing(const Digest& peer, const Dot& dot) { return !peer.seen.contains(dot); }

// Items whose event the peer has not seen.
void add_missing_events(const DesiredState& mine, const Digest& peer, DesiredState& out) {
  for (const auto& [name, entry] : mine.services.entries) {
    OrMapEntry<Service> part;
    for (const auto& [dot, reg] : entry.live) {
      if (missing(peer, dot)) part.live.emplace(dot, reg);
    }
    for (const auto& [dot, stone] : entry.removed) {
      if (missing(peer, dot) || missing(peer, stone.removed_by)) part.removed.emplace(dot, stone);
    }
    if (!part.live.empty() || !part.removed.empty()) out.services.entries.emplace(name, part);
  }
  for (const auto& [node, reg] : mine.availability) {
    if (missing(peer, reg.dot)) out.availability.emplace(node, reg);
  }
  for (const auto& [runner, entries] : mine.tasks.writers) {
    for (const auto& [key, entry] : entries) {
      if (missing(peer, Dot{runner, entry.counter})) out.tasks.writers[runner].emplace(key, entry);
    }
  }
}

// Every item of the buckets whose hashes differ from the peer's.
void add_differing_buckets(const DesiredState& mine, const Digest& peer, DesiredState& out) {
  std::size_t count = peer.bucket_hashes.size();
  Digest own = make_digest(mine, count);
  auto differs = [&](std::size_t b) { return own.bucket_hashes[b] != peer.bucket_hashes[b]; };
  for (const auto& [name, entry] : mine.services.entries) {
    if (differs(bucket_of("s", name, count))) out.services.entries[name] = entry;
  }
  for (const auto& [node, reg] : mine.availability) {
    if (differs(bucket_of("a", node.name, count))) out.availability[node] = reg;
  }
  for (const auto& [runner, entries] : mine.tasks.writers) {
    for (const auto& [key, entry] : entries) {
      if (differs(bucket_of("t", task_key_bytes(runner, key), count))) {
        out.tasks.writers[runner][key] = entry;
      }
    }
  }
}

}  // namespace

Digest make_digest(const DesiredState& state, std::size_t bucket_count) {
  Digest d;
  d.seen = state.seen;
  if (bucket_count == 0) return d;
  d.bucket_hashes.assign(bucket_count, 0);
  // A sum of item hashes: independent of iteration order, so equal item sets hash equal.
  for_each_item(state, bucket_count, [&](std::size_t b, const char* data, std::size_t size) {
    d.bucket_hashes[b] += XXH3_64bits(data, size);
  });
  return d;
}

DesiredState delta_for_peer(const DesiredState& mine, const Digest& peer) {
  DesiredState out;
  add_missing_events(mine, peer, out);
  bool same_events = peer.seen == mine.seen;
  // A digest with absurdly many buckets (a bad peer) gets no bucket repair, not a huge alloc.
  bool usable = !peer.bucket_hashes.empty() && peer.bucket_hashes.size() <= kMaxDigestBuckets;
  if (same_events && usable) add_differing_buckets(mine, peer, out);
  if (out.services.entries.empty() && out.availability.empty() && out.tasks.writers.empty() &&
      peer.seen.covers(mine.seen)) {
    return out;  // the peer lacks nothing
  }
  out.seen = mine.seen;
  return out;
}

}  // namespace shoal::crdt
