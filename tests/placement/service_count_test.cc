#include "placement/service_count.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>

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

RC_GTEST_PROP(ServiceCount, MatchesAMap, ()) {
  auto adds = *rc::gen::container<std::vector<std::pair<std::uint32_t, std::uint32_t>>>(
      rc::gen::pair(rc::gen::inRange<std::uint32_t>(0, 20), rc::gen::inRange<std::uint32_t>(0, 20)));
  ServiceCount c(adds.size());
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> want;
  for (const auto& [s, n] : adds) {
    c.add(s, n);
    ++want[{s, n}];
  }
  for (std::uint32_t s = 0; s < 20; ++s)
    for (std::uint32_t n = 0; n < 20; ++n) {
      auto it = want.find({s, n});
      RC_ASSERT(c.get(s, n) == (it == want.end() ? 0u : it->second));
    }
}

}  // namespace
}  // namespace shoal::placement
