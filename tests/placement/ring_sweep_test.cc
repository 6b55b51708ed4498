#include "placement/ring_sweep.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/node_id.h"
#include "tests/placement/ring_fixture.h"

namespace shoal::placement {
namespace {


// A ring of one node with one point at `at` (hand-made positions, for exact expectations).
struct OnePoint {
  HashRing ring = ring_of(1, 1);
  std::uint64_t at = ring.at(0).hash;
};

SweepItem item(std::uint64_t hash, std::uint32_t slot) { return SweepItem{hash, 0, slot, 1, 0}; }

TEST(RingSweep, NodeTakesTheNearestItemsBehindItsPointFirst) {
  OnePoint r;
  ASSERT_GT(r.at, 100u);
  std::vector<SweepItem> items{item(r.at - 30, 0), item(r.at - 20, 1), item(r.at - 10, 2),
                               item(r.at, 3)};
  std::vector<std::uint32_t> taken;
  auto has_room = [&](std::uint32_t) { return taken.size() < 2; };
  auto take = [&](std::uint32_t, const SweepItem& it) {
    taken.push_back(it.slot);
    return true;
  };
  std::vector<SweepItem> left = sweep_ring(r.ring, items, has_room, take, 64);
  EXPECT_EQ(taken, (std::vector<std::uint32_t>{3, 2}));
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].slot, 0u);  // bottom of the stack: the farthest
  EXPECT_EQ(left[1].slot, 1u);
}

TEST(RingSweep, ItemsPastTheLastPointAreFartherThanPointZerosOwnArc) {
  OnePoint r;
  ASSERT_LT(r.at, ~std::uint64_t{0} - 10);
  // One item just past the (only, so last) point wraps to it and is the farthest.
  std::vector<SweepItem> items{item(r.at - 5, 0), item(r.at + 5, 1)};
  std::vector<std::uint32_t> taken;
  auto has_room = [&](std::uint32_t) { return taken.empty(); };
  auto take = [&](std::uint32_t, const SweepItem& it) {
    taken.push_back(it.slot);
    return true;
  };
  std::vector<SweepItem> left = sweep_ring(r.ring, items, has_room, take, 64);
  EXPECT_EQ(taken, (std::vector<std::uint32_t>{0}));
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].slot, 1u);
}

TEST(RingSweep, RefusedItemsTravelToTheNextPoint) {
  HashRing ring = ring_of(5, 3);
  std::vector<SweepItem> items;
  for (std::uint32_t i = 0; i < 50; ++i) items.push_back(item(stable_hash(std::to_string(i)), i));
  std::sort(items.begin(), items.end());
  std::map<std::uint32_t, std::uint32_t> node_of;
  auto has_room = [](std::uint32_t) { return true; };
  auto take = [&](std::uint32_t node, const SweepItem& it) {
    if (node == 2) return false;  // node 2 refuses everything
    node_of[it.slot] = node;
    return true;
  };
  EXPECT_TRUE(sweep_ring(ring, items, has_room, take, 64).empty());
  // Each item lands on the first point at or after it whose node is not 2.
  for (const SweepItem& it : items) {
    std::size_t p = ring.successor(it.hash);
    while (ring.at(p).node == 2) p = (p + 1) % ring.size();
    EXPECT_EQ(node_of[it.slot], ring.at(p).node);
  }
}

TEST(RingSweep, EmptyRingLeavesEverything) {
  HashRing empty;
  std::vector<SweepItem> items{item(1, 0), item(2, 1)};
  auto yes = [](std::uint32_t) { return true; };
  auto take = [](std::uint32_t, const SweepItem&) { return true; };
  EXPECT_EQ(sweep_ring(empty, items, yes, take, 64).size(), 2u);
}

// Laws: every item is taken at most once and otherwise left over; no node takes more than it
// has room for; a node that had room left at the end refused or never saw the left items only
// because of the scan bound or its own refusal.
RC_GTEST_PROP(RingSweep, EveryItemIsTakenOnceOrLeftAndRoomIsRespected, ()) {
  std::uint32_t nodes = *rc::gen::inRange<std::uint32_t>(1, 12);
  HashRing ring = ring_of(nodes, *rc::gen::inRange<std::uint32_t>(1, 8));
  std::vector<std::uint32_t> room = *rc::gen::container<std::vector<std::uint32_t>>(
      nodes, rc::gen::inRange<std::uint32_t>(0, 6));
  std::uint32_t count = *rc::gen::inRange<std::uint32_t>(0, 80);
  std::vector<SweepItem> items;
  for (std::uint32_t i = 0; i < count; ++i)
    items.push_back(SweepItem{*rc::gen::arbitrary<std::uint64_t>(), i % 7, i, 1, 0});
  std::sort(items.begin(), items.end());
  std::size_t depth = *rc::gen::inRange<std::size_t>(1, 10);
  std::vector<std::uint32_t> load(nodes, 0);
  std::map<std::uint32_t, int> taken;
  auto has_room = [&](std::uint32_t n) { return load[n] < room[n]; };
  auto take = [&](std::uint32_t n, const SweepItem& it) {
    if ((it.slot + n) % 3 == 0) return false;  // some refusals
    RC_ASSERT(load[n] < room[n]);
    ++load[n];
    ++taken[it.slot];
    return true;
  };
  std::vector<SweepItem> left = sweep_ring(ring, items, has_room, take, depth);
  std::set<std::uint32_t> left_slots;
  for (const SweepItem& it : left) RC_ASSERT(left_slots.insert(it.slot).second);
  for (const SweepItem& it : items) {
    int times = taken.count(it.slot) ? taken[it.slot] : 0;
    RC_ASSERT(times + static_cast<int>(left_slots.count(it.slot)) == 1);
  }
  for (std::uint32_t n = 0; n < nodes; ++n) RC_ASSERT(load[n] <= room[n]);
  // Without refusals and with a deep scan, items are left only when every node is full.
  std::fill(load.begin(), load.end(), 0);
  auto take_all = [&](std::uint32_t n, const SweepItem&) {
    ++load[n];
    return true;
  };
  left = sweep_ring(ring, items, has_room, take_all, items.size() + 1);
  if (!left.empty())
    for (std::uint32_t n = 0; n < nodes; ++n) RC_ASSERT(load[n] == room[n]);
}

}  // namespace
}  // namespace shoal::placement
