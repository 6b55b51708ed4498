// NftablesBackend's config checks (no kernel needed: they run before the socket opens).
#include "loadbalancer/nft_backend.h"

#include <gtest/gtest.h>

namespace shoal {

TEST(NftablesBackend, OpenRefusesAnInterfaceNameTheKernelCannotHold) {
  LbConfig config;
  config.overlay_ifname = "a-name-of-16-chr";
  auto opened = NftablesBackend::open(config);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.message().find("a-name-of-16-chr"), std::string::npos) << opened.message();
}

TEST(NftablesBackend, OpenRefusesAnEmptyOrOverlongTableName) {
  LbConfig config;
  config.nft_table = "";
  EXPECT_FALSE(NftablesBackend::open(config).ok());
  config.nft_table = std::string(300, 't');
  EXPECT_FALSE(NftablesBackend::open(config).ok());
}

TEST(NftablesBackend, OpenRefusesAnUnboundedResetBatch) {
  LbConfig config;
  config.nft_pick_chains_at_reset = 1'000'000;
  auto opened = NftablesBackend::open(config);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.message().find("nft_pick_chains_at_reset"), std::string::npos) << opened.message();
}

}  // namespace shoal
