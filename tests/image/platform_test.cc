#include "image/platform.h"

#include <gtest/gtest.h>

namespace shoal::image {
namespace {

TEST(Platform, Normalize) {
  EXPECT_EQ(normalize_platform({"Linux", "x86_64", ""}).to_string(), "linux/amd64");
  EXPECT_EQ(normalize_platform({"linux", "amd64", "v1"}).to_string(), "linux/amd64");
  EXPECT_EQ(normalize_platform({"linux", "aarch64", ""}).to_string(), "linux/arm64/v8");
  EXPECT_EQ(normalize_platform({"linux", "arm", ""}).to_string(), "linux/arm/v7");
  EXPECT_EQ(normalize_platform({"linux", "armhf", ""}).to_string(), "linux/arm/v7");
}

TEST(Platform, Scores) {
  const Platform node{"linux", "arm", "v7"};
  EXPECT_GT(platform_match_score(node, {"linux", "arm", "v7"}), platform_match_score(node, {"linux", "arm", ""}));
  EXPECT_GT(platform_match_score(node, {"linux", "arm", "v6"}), platform_match_score(node, {"linux", "arm", "v5"}));
  EXPECT_EQ(platform_match_score(node, {"linux", "arm", "v8"}), 0);
  EXPECT_EQ(platform_match_score(node, {"linux", "arm64", "v8"}), 0);
  EXPECT_EQ(platform_match_score({"linux", "amd64", ""}, {"linux", "amd64", "v3"}), 0);
  EXPECT_EQ(platform_match_score({"linux", "amd64", ""}, {"windows", "amd64", ""}), 0);
}

TEST(Platform, SelectEmpty) {
  auto r = select_platform({"linux", "amd64", ""}, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("it offers: none"), std::string::npos);
}

TEST(Platform, HostIsLinux) {
  EXPECT_EQ(host_platform().os, "linux");
  EXPECT_EQ(normalize_platform(host_platform()), host_platform());
}

}  // namespace
}  // namespace shoal::image
