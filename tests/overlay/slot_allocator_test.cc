#include "overlay/slot_allocator.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace shoal {

namespace {

// Distinct names with distinct join orders, as membership delivers them.
std::vector<SlotClaimant> gen_claimants(std::size_t count) {
  auto names = *rc::gen::container<std::set<std::string>>(
      count, rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::inRange('a', 'z'))));
  std::vector<SlotClaimant> out;
  std::uint64_t order = 0;
  for (const auto& n : names) out.push_back({n, order += *rc::gen::inRange<std::uint64_t>(0, 3), {}});
  return out;
}

// Feeds an allocation back as claims, as nodes publishing their slot would.
std::vector<SlotClaimant> with_claims(std::vector<SlotClaimant> claimants, const SlotAllocation& a) {
  for (auto& c : claimants) {
    auto it = a.slot_of.find(c.name);
    c.claimed = it == a.slot_of.end() ? std::nullopt : std::optional<std::uint32_t>(it->second);
  }
  return claimants;
}

}  // namespace

TEST(SlotAllocator, CollidingNamesProbeToTheNextFreeSlot) {
  SlotRange range{0, 4};
  // Find two names preferring the same slot, then check the later one moves to the next.
  std::string a = "n0", b;
  for (int i = 1; b.empty(); ++i)
    if (preferred_slot("n" + std::to_string(i), range, "t") == preferred_slot(a, range, "t"))
      b = "n" + std::to_string(i);
  auto alloc = allocate_slots({{b, 2, {}}, {a, 1, {}}}, range, "t");
  EXPECT_EQ(alloc.slot_of.at(a), preferred_slot(a, range, "t"));
  EXPECT_EQ(alloc.slot_of.at(b), (preferred_slot(a, range, "t") + 1) % 4);
}

TEST(SlotAllocator, OverCapacityIsReportedNotPlaced) {
  auto alloc = allocate_slots({{"a", 1, {}}, {"b", 2, {}}, {"c", 3, {}}}, SlotRange{10, 2}, "t");
  EXPECT_EQ(alloc.slot_of.size(), 2u);
  EXPECT_EQ(alloc.unplaced, std::vector<std::string>{"c"});  // the latest joiner waits
  for (const auto& [name, slot] : alloc.slot_of) EXPECT_TRUE(slot == 10 || slot == 11);
}

TEST(SlotAllocator, ClaimOutOfRangeOrTakenIsIgnored) {
  auto alloc = allocate_slots({{"a", 1, 5u}, {"b", 2, 5u}, {"c", 3, 99u}}, SlotRange{0, 8}, "t");
  EXPECT_EQ(alloc.slot_of.at("a"), 5u);
  EXPECT_NE(alloc.slot_of.at("b"), 5u);
  EXPECT_LT(alloc.slot_of.at("c"), 8u);
}

TEST(SlotAllocator, DuplicateNamesCountOnce) {
  auto alloc = allocate_slots({{"a", 1, {}}, {"a", 1, {}}, {"b", 2, {}}}, SlotRange{0, 2}, "t");
  EXPECT_EQ(alloc.slot_of.size(), 2u);
  EXPECT_TRUE(alloc.unplaced.empty());
}

RC_GTEST_PROP(SlotAllocator, NoTwoClaimantsShareASlot, ()) {
  auto claimants = gen_claimants(*rc::gen::inRange<std::size_t>(0, 40));
  for (auto& c : claimants)
    if (*rc::gen::arbitrary<bool>()) c.claimed = *rc::gen::inRange<std::uint32_t>(0, 40);
  SlotRange range{0, *rc::gen::inRange<std::uint32_t>(1, 40)};
  auto alloc = allocate_slots(claimants, range, "t");
  std::set<std::uint32_t> used;
  for (const auto& [name, slot] : alloc.slot_of) {
    RC_ASSERT(slot < range.count);
    RC_ASSERT(used.insert(slot).second);
  }
  RC_ASSERT(alloc.slot_of.size() + alloc.unplaced.size() == claimants.size());
  RC_ASSERT(alloc.slot_of.size() == std::min<std::size_t>(claimants.size(), range.count));
}

RC_GTEST_PROP(SlotAllocator, InputOrderDoesNotMatter, ()) {
  auto claimants = gen_claimants(*rc::gen::inRange<std::size_t>(0, 30));
  SlotRange range{3, 32};
  auto shuffled = claimants;
  std::mt19937 rng(*rc::gen::arbitrary<std::uint32_t>());
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  RC_ASSERT(allocate_slots(claimants, range, "t").slot_of == allocate_slots(shuffled, range, "t").slot_of);
}

RC_GTEST_PROP(SlotAllocator, ExistingClaimantsKeepTheirSlotWhenOthersJoin, ()) {
  auto claimants = gen_claimants(*rc::gen::inRange<std::size_t>(1, 30));
  SlotRange range{0, 32};
  auto before = allocate_slots(claimants, range, "t");
  auto after_claims = with_claims(claimants, before);
  auto joiners = gen_claimants(*rc::gen::inRange<std::size_t>(1, 5));
  for (auto& j : joiners) {
    j.name = "new-" + j.name;  // distinct from existing names
    j.order_key += 1'000'000;  // joined later
    after_claims.push_back(j);
  }
  auto after = allocate_slots(after_claims, range, "t");
  for (const auto& [name, slot] : before.slot_of) RC_ASSERT(after.slot_of.at(name) == slot);
}

RC_GTEST_PROP(SlotAllocator, SurvivorsKeepTheirSlotWhenOthersLeave, ()) {
  auto claimants = gen_claimants(*rc::gen::inRange<std::size_t>(2, 30));
  SlotRange range{0, 32};  // dense enough that probing happens often
  auto before = allocate_slots(claimants, range, "t");
  auto survivors = with_claims(claimants, before);
  auto leave = *rc::gen::inRange<std::size_t>(0, survivors.size());
  survivors.erase(survivors.begin() + static_cast<std::ptrdiff_t>(leave));
  auto after = allocate_slots(survivors, range, "t");
  for (const auto& c : survivors) RC_ASSERT(after.slot_of.at(c.name) == before.slot_of.at(c.name));
}

RC_GTEST_PROP(SlotAllocator, ConflictingClaimsGoToTheEarliestClaimant, ()) {
  // After a partition heals two sides may have handed out the same slot; every node resolves it
  // the same way: the earlier joiner keeps it, the later one moves.
  auto claimants = gen_claimants(*rc::gen::inRange<std::size_t>(2, 20));
  auto slot = *rc::gen::inRange<std::uint32_t>(0, 32);
  for (auto& c : claimants) c.claimed = slot;
  auto alloc = allocate_slots(claimants, SlotRange{0, 32}, "t");
  auto earliest = std::min_element(claimants.begin(), claimants.end(), [](auto& a, auto& b) {
    return std::tie(a.order_key, a.name) < std::tie(b.order_key, b.name);
  });
  RC_ASSERT(alloc.slot_of.at(earliest->name) == slot);
}

}  // namespace shoal
