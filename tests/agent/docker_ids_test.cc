#include "agent/docker_ids.h"

#include <gtest/gtest.h>

namespace shoal {

TEST(DockerIds, SixtyFourHexStableAndKindSeparated) {
  const std::string a = docker_id("service", "web");
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(a, docker_id("service", "web"));
  EXPECT_NE(a, docker_id("node", "web"));
  EXPECT_NE(a, docker_id("service", "web2"));
  // The kind and identity are separated: ("ab", "c") is not ("a", "bc").
  EXPECT_NE(docker_id("ab", "c"), docker_id("a", "bc"));
}

TEST(DockerIds, LookupByIdNameOrUniquePrefix) {
  std::vector<DockerIdCandidate> c = {{"abc123", "web"}, {"abd456", "db"}, {"ff0000", "abc"}};
  auto find = [&](const std::string& ref) { return find_by_id_or_name(c, ref); };
  EXPECT_EQ(find("abd456").index, 1u);
  EXPECT_EQ(find("db").index, 1u);
  EXPECT_EQ(find("abc123").outcome, DockerIdLookup::kFound);
  EXPECT_EQ(find("abc").index, 2u);  // an exact name wins over an ID prefix, as in dockerd
  EXPECT_EQ(find("abd").index, 1u);
  EXPECT_EQ(find("ff").index, 2u);
  EXPECT_EQ(find("ab").outcome, DockerIdLookup::kAmbiguous);
  EXPECT_EQ(find("zz").outcome, DockerIdLookup::kNotFound);
  EXPECT_EQ(find("").outcome, DockerIdLookup::kNotFound);
}

}  // namespace shoal
