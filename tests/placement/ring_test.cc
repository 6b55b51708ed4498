#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "common/node_id.h"
#include "placement/full_skipper.h"
#include "placement/hash_ring.h"
#include "tests/placement/ring_fixture.h"

namespace shoal::placement {
namespace {


// Brute force: first point with hash >= h, else point 0.
std::size_t naive_successor(const HashRing& r, std::uint64_t h) {
  for (std::size_t i = 0; i < r.size(); ++i)
    if (r.at(i).hash >= h) return i;
  return 0;
}

TEST(HashRing, PointsAreSortedAndCounted) {
  HashRing r = ring_of(10, 7);
  ASSERT_EQ(r.size(), 70u);
  for (std::size_t i = 1; i < r.size(); ++i) EXPECT_LE(r.at(i - 1).hash, r.at(i).hash);
}

TEST(HashRing, SuccessorWrapsPastTheLastPoint) {
  HashRing r = ring_of(3, 4);
  EXPECT_EQ(r.successor(~std::uint64_t{0}), naive_successor(r, ~std::uint64_t{0}));
  EXPECT_EQ(r.successor(0), 0u);
}

RC_GTEST_PROP(HashRing, SuccessorMatchesLinearScan, (std::uint64_t h)) {
  std::uint32_t nodes = *rc::gen::inRange<std::uint32_t>(1, 40);
  std::uint32_t points = *rc::gen::inRange<std::uint32_t>(1, 20);
  HashRing r = ring_of(nodes, points);
  RC_ASSERT(r.successor(h) == naive_successor(r, h));
  // Hashes right at and just past a point find that point and the next one.
  std::size_t i = *rc::gen::inRange<std::size_t>(0, r.size());
  RC_ASSERT(r.at(r.successor(r.at(i).hash)).hash == r.at(i).hash);
}

RC_GTEST_PROP(HashRing, FilteredKeepsOnlyChosenNodesInOrder, ()) {
  std::uint32_t nodes = *rc::gen::inRange<std::uint32_t>(1, 30);
  HashRing r = ring_of(nodes, 5);
  std::vector<bool> keep = *rc::gen::container<std::vector<bool>>(nodes, rc::gen::arbitrary<bool>());
  HashRing f = r.filtered(keep);
  std::vector<RingPoint> expected;
  for (std::size_t i = 0; i < r.size(); ++i)
    if (keep[r.at(i).node]) expected.push_back(r.at(i));
  RC_ASSERT(f.size() == expected.size());
  for (std::size_t i = 0; i < f.size(); ++i) {
    RC_ASSERT(f.at(i).hash == expected[i].hash);
    RC_ASSERT(f.at(i).node == expected[i].node);
  }
  if (!f.empty()) {
    std::uint64_t h = *rc::gen::arbitrary<std::uint64_t>();
    RC_ASSERT(f.successor(h) == naive_successor(f, h));
  }
}

// Multi-probe: the chosen position is the probe with the smallest clockwise distance to its
// successor point (first such probe on ties), and one probe is the hash itself.
RC_GTEST_PROP(HashRing, NearestProbeMinimisesTheDistanceToAPoint, (std::uint64_t h)) {
  HashRing r = ring_of(*rc::gen::inRange<std::uint32_t>(1, 30), *rc::gen::inRange<std::uint32_t>(1, 6));
  std::uint32_t probes = *rc::gen::inRange<std::uint32_t>(1, 12);
  std::uint64_t best = h, best_distance = ~std::uint64_t{0};
  for (std::uint32_t k = 0; k < probes; ++k) {
    std::uint64_t p = probe_hash(h, k);
    std::uint64_t d = r.at(naive_successor(r, p)).hash - p;
    if (d < best_distance) best = p, best_distance = d;
  }
  RC_ASSERT(r.nearest_probe(h, probes) == best);
  RC_ASSERT(r.nearest_probe(h, 1) == h);
}

TEST(HashRing, ProbeHashesAreFixed) {
  // Pinned values: every node must derive the same probes on every architecture.
  EXPECT_EQ(probe_hash(42, 0), 42u);
  EXPECT_EQ(probe_hash(0, 1), 0xe220a8397b1dcdafULL);
}

RC_GTEST_PROP(FullSkipper, FindsTheFirstNonFullIndexAsFullnessGrows, ()) {
  std::size_t size = *rc::gen::inRange<std::size_t>(1, 60);
  FullSkipper skip(size);
  std::vector<bool> full(size, false);
  auto is_full = [&](std::size_t i) { return static_cast<bool>(full[i]); };
  for (int step = 0; step < 100; ++step) {
    if (*rc::gen::inRange(0, 3) == 0) full[*rc::gen::inRange<std::size_t>(0, size)] = true;  // monotone
    std::size_t from = *rc::gen::inRange<std::size_t>(0, size + 1);
    std::size_t expected = from;
    while (expected < size && full[expected]) ++expected;
    RC_ASSERT(skip.find(from, is_full) == expected);
  }
}

}  // namespace
}  // namespace shoal::placement
