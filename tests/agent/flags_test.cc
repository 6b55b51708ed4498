#include "agent/flags.h"

#include <gtest/gtest.h>

namespace shoal {

TEST(Flags, ValuesSwitchesPositionalsAndDashDash) {
  auto f = parse_flags("x", {"--a", "1", "--a=2", "pos", "--on", "--", "cmd", "--a", "3"}, {{"--a"}, {"--on"}});
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_EQ(f->all("--a"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(f->get("--a"), "2");
  EXPECT_TRUE(f->has("--on"));
  EXPECT_EQ(f->positional, std::vector<std::string>{"pos"});
  EXPECT_EQ(f->after_dashdash, (std::vector<std::string>{"cmd", "--a", "3"}));
}

TEST(Flags, ErrorsNameTheFlag) {
  EXPECT_EQ(parse_flags("service create", {"--replica", "3"}, {{"--replicas"}, {}}).message(),
            "service create: unknown flag '--replica'");
  EXPECT_EQ(parse_flags("x", {"--a"}, {{"--a"}, {}}).message(), "x: --a needs a value");
  EXPECT_FALSE(parse_flags("x", {"--on=1"}, {{}, {"--on"}}).ok());
}

}  // namespace shoal
