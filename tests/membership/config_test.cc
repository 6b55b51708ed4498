#include "membership/config.h"

#include <gtest/gtest.h>

namespace shoal::membership {
namespace {

TEST(Config, ProfilesAreValid) {
  EXPECT_TRUE(validate(lan_config()).ok());
  EXPECT_TRUE(validate(wan_config()).ok());
  EXPECT_TRUE(validate(local_config()).ok());
}

TEST(Config, WanIsSlowerAndLocalFasterThanLan) {
  EXPECT_GT(wan_config().probe_interval_ms, lan_config().probe_interval_ms);
  EXPECT_GT(wan_config().suspicion_mult, lan_config().suspicion_mult);
  EXPECT_LT(local_config().probe_interval_ms, lan_config().probe_interval_ms);
  EXPECT_EQ(local_config().indirect_checks, 1u);
}

TEST(Config, PacketBudgetSubtractsSealOverhead) {
  EXPECT_EQ(lan_config().packet_budget_bytes(), 1400u - kSealOverheadBytes);
  EXPECT_EQ(kSealOverheadBytes, 86u);  // 70-byte header (keyring.h) + 16-byte tag
}

TEST(Config, RejectsUnworkableValuesNamingTheField) {
  Config c = lan_config();
  c.probe_timeout_ms = c.probe_interval_ms;
  auto st = validate(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("probe_timeout_ms"), std::string::npos);

  c = lan_config();
  c.udp_payload_max_bytes = 100;
  EXPECT_FALSE(validate(c).ok());

  c = lan_config();
  c.gossip_nodes = 0;
  EXPECT_FALSE(validate(c).ok());

  c = lan_config();
  c.meta_max_bytes = 2000;
  EXPECT_FALSE(validate(c).ok());
}

}  // namespace
}  // namespace shoal::membership
