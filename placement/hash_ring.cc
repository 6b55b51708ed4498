#include "placement/hash_ring.h"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <bit>

#include "common/result.h"

namespace shoal::placement {
namespace {

std::uint64_t hash_u32(std::uint32_t v, std::uint64_t seed) {
  // Explicit little-endian bytes: the hash must be the same on every architecture.
  std::array<unsigned char, 4> b{static_cast<unsigned char>(v), static_cast<unsigned char>(v >> 8),
                                 static_cast<unsigned char>(v >> 16),
                                 static_cast<unsigned char>(v >> 24)};
  return XXH3_64bits_withSeed(b.data(), b.size(), seed);
}

}  // namespace

std::uint64_t slot_hash(std::uint64_t service_hash, std::uint32_t slot) {
  return hash_u32(slot, service_hash);
}

std::uint64_t probe_hash(std::uint64_t h, std::uint32_t k) {
  if (k == 0) return h;
  std::uint64_t z = h + 0x9e3779b97f4a7c15ULL * k;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

HashRing HashRing::build(std::span<const std::uint32_t> nodes,
                         std::span<const std::uint64_t> node_hashes,
                         std::span<const std::uint32_t> counts) {
  SHOAL_ASSERT(nodes.size() == node_hashes.size() && nodes.size() == counts.size());
  std::vector<RingPoint> points;
  std::size_t total = 0;
  for (std::uint32_t k : counts) total += k;
  points.reserve(total);
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (std::uint32_t v = 0; v < counts[i]; ++v)
      points.push_back(RingPoint{hash_u32(v, node_hashes[i]), nodes[i]});
  // Ties (two points with one hash) are ordered by node index so the order never depends on
  // the input order.
  std::sort(points.begin(), points.end(), [](const RingPoint& a, const RingPoint& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.node < b.node;
  });
  return HashRing(std::move(points));
}

HashRing HashRing::filtered(const std::vector<bool>& keep) const {
  std::vector<RingPoint> points;
  for (const RingPoint& p : points_)
    if (keep[p.node]) points.push_back(p);
  return HashRing(std::move(points));
}

HashRing::HashRing(std::vector<RingPoint> sorted_points) : points_(std::move(sorted_points)) {
  index();
}

void HashRing::index() {
  // About one point per bucket: 2^bits >= size.
  unsigned bits = points_.empty() ? 0 : std::bit_width(points_.size() - 1);
  if (bits > 24) bits = 24;  // 16M buckets is plenty for any ring we build
  shift_ = 64 - bits;
  std::size_t buckets = std::size_t{1} << bits;
  bucket_start_.assign(buckets + 1, static_cast<std::uint32_t>(points_.size()));
  std::size_t p = 0;
  for (std::size_t b = 0; b < buckets; ++b) {
    std::uint64_t lo = bits == 0 ? 0 : (std::uint64_t{b} << shift_);
    while (p < points_.size() && points_[p].hash < lo) ++p;
    bucket_start_[b] = static_cast<std::uint32_t>(p);
  }
}

std::size_t HashRing::successor(std::uint64_t h) const {
  SHOAL_ASSERT(!points_.empty());
  std::size_t b = shift_ >= 64 ? 0 : static_cast<std::size_t>(h >> shift_);
  std::size_t i = bucket_start_[b];
  std::size_t end = bucket_start_[b + 1];
  while (i < end && points_[i].hash < h) ++i;
  return i == points_.size() ? 0 : i;
}

std::uint64_t HashRing::nearest_probe(std::uint64_t h, std::uint32_t probes) const {
  if (probes <= 1) return h;  // the only probe is h itself: no lookup needed
  std::uint64_t best = h;
  std::uint64_t best_distance = ~std::uint64_t{0};
  for (std::uint32_t k = 0; k < probes; ++k) {
    std::uint64_t p = probe_hash(h, k);
    std::uint64_t distance = points_[successor(p)].hash - p;  // wraps past the end, as the ring
    if (distance < best_distance) {
      best_distance = distance;
      best = p;
    }
  }
  return best;
}

}  // namespace shoal::placement
