#include "image/image_listing.h"

#include <gtest/gtest.h>

namespace shoal::image {
namespace {

ImageRecord record(const std::string& seed, std::vector<std::string> layers) {
  ImageRecord r;
  r.manifest = Digest::of("m" + seed);
  r.manifest_size = 100;
  r.config = {Digest::of("c" + seed), 10};
  for (const auto& l : layers) {
    r.layers.push_back({Digest::of(l), 1000});
    r.diff_ids.push_back(Digest::of("d" + l));
  }
  return r;
}

struct ListingTest : ::testing::Test {
  ImageCatalog catalog;
  ImageRecord one = record("1", {"base", "app"});
  ImageRecord two = record("2", {"base"});
  void SetUp() override {
    catalog.add(one);
    catalog.add(two);
    ASSERT_TRUE(catalog.tag("r:5000/web:1", one.manifest).ok());
    ASSERT_TRUE(catalog.tag("r:5000/web:latest", one.manifest).ok());
  }
};

TEST_F(ListingTest, OneRowPerNameAndOnePerUntaggedImage) {
  auto rows = image_rows(catalog, {{one.manifest, {"web", "api"}}});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].repository, "r:5000/web");
  EXPECT_EQ(rows[0].tag, "1");
  EXPECT_EQ(rows[0].size, 100u + 10u + 2000u);
  EXPECT_EQ(rows[0].services, (std::vector<std::string>{"api", "web"}));
  EXPECT_EQ(rows[1].tag, "latest");
  EXPECT_EQ(rows[2].repository, "<none>");
  EXPECT_EQ(rows[2].digest, two.manifest);
  EXPECT_TRUE(rows[2].services.empty());
}

TEST_F(ListingTest, RemovingOneOfTwoNamesOnlyUntags) {
  auto plan = plan_remove(catalog, "r:5000/web:1", {});
  ASSERT_TRUE(plan.ok()) << plan.message();
  EXPECT_EQ(plan->untag, "r:5000/web:1");
  EXPECT_FALSE(plan->remove_image);
}

TEST_F(ListingTest, RemovingTheLastNameFreesOnlyPrivateBlobs) {
  catalog.untag("r:5000/web:latest");
  auto plan = plan_remove(catalog, "r:5000/web:1", {});
  ASSERT_TRUE(plan.ok()) << plan.message();
  EXPECT_TRUE(plan->remove_image);
  EXPECT_EQ(plan->blobs.remove_images, std::vector<Digest>{one.manifest});
  std::set<Digest> freed(plan->blobs.remove_blobs.begin(), plan->blobs.remove_blobs.end());
  EXPECT_TRUE(freed.count(Digest::of("app")));
  EXPECT_TRUE(freed.count(one.manifest));
  EXPECT_FALSE(freed.count(Digest::of("base")));  // image two still needs it
}

TEST_F(ListingTest, RemoveRefusesWhileAServiceUsesTheImage) {
  auto plan = plan_remove(catalog, "r:5000/web:1", {{one.manifest, {"web"}}});
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.message().find("used by service(s) web"), std::string::npos) << plan.message();
}

TEST_F(ListingTest, RemoveByDigestAndUnknownNames) {
  auto plan = plan_remove(catalog, two.manifest.to_string(), {});
  ASSERT_TRUE(plan.ok()) << plan.message();
  EXPECT_TRUE(plan->remove_image);
  EXPECT_TRUE(plan->untag.empty());
  auto missing = plan_remove(catalog, "r:5000/nope:1", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("no image named r:5000/nope:1"), std::string::npos);
}

TEST_F(ListingTest, LayersFreedAreThoseNoRemainingImageUses) {
  EXPECT_EQ(layers_freed(catalog, {one.manifest}), std::vector<Digest>{Digest::of("dapp")});
  EXPECT_TRUE(layers_freed(catalog, {two.manifest}).empty());
  auto both = layers_freed(catalog, {one.manifest, two.manifest});
  EXPECT_EQ(both.size(), 2u);
}

}  // namespace
}  // namespace shoal::image
