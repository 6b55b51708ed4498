#include "placement/service_count.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <tuple>

namespace shoal::placement {
namespace {

TEST(ServiceCount, CountsPerServiceAndNode) {
  ServiceCount c(8);
  EXPECT_EQ(c.get(1, 2), 0u);
  c.add(1, 2);
  c.add(1, 2);
  c.add(2, 1);
  EXPECT_EQ(c.get(1, 2), 2u);
  EXPECT_EQ(c.get(2, 1), 1u);
  EXPECT_EQ(c.get(2, 2), 0u);
}

// Adds and removes (a remove only of a pair that has a task), with a size hint that may be far
// too small: the table grows.
RC_GTEST_PROP(ServiceCount, MatchesAMap, ()) {
  auto ops = *rc::gen::container<std::vector<std::tuple<bool, std::uint32_t, std::uint32_t>>>(
      rc::gen::tuple(rc::gen::arbitrary<bool>(), rc::gen::inRange<std::uint32_t>(0, 20),
                     rc::gen::inRange<std::uint32_t>(0, 20)));
  ServiceCount c(*rc::gen::inRange<std::size_t>(0, ops.size() + 1));
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> want;
  for (const auto& [remove, s, n] : ops) {
    if (remove && want[{s, n}] > 0) {
      c.remove(s, n);
      --want[{s, n}];
    } else if (!remove) {
      c.add(s, n);
      ++want[{s, n}];
    }
  }
  for (std::uint32_t s = 0; s < 20; ++s)
    for (std::uint32_t n = 0; n < 20; ++n) {
      auto it = want.find({s, n});
      RC_ASSERT(c.get(s, n) == (it == want.end() ? 0u : it->second));
    }
}

}  // namespace
}  // namespace shoal::placement
