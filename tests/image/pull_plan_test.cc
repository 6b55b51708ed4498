#include "image/pull_plan.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal::image {
namespace {

Descriptor desc(const std::string& seed, std::uint64_t size) {
  return {"application/vnd.oci.image.layer.v1.tar+gzip", Digest::of(seed), size, std::nullopt};
}

ImageManifest manifest_of(std::vector<Descriptor> layers) {
  ImageManifest m;
  m.media_type = "application/vnd.oci.image.manifest.v1+json";
  m.config = desc("config", 10);
  m.config.media_type = "application/vnd.oci.image.config.v1+json";
  m.layers = std::move(layers);
  return m;
}

TEST(PullPlan, ConfigFirstThenLayersBottomFirst) {
  auto m = manifest_of({desc("a", 1), desc("b", 2), desc("c", 3)});
  auto plan = blobs_to_fetch(m, {});
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_EQ(plan[0].digest, m.config.digest);
  EXPECT_EQ(plan[1].digest, Digest::of("a"));
  EXPECT_EQ(plan[3].digest, Digest::of("c"));
}

TEST(PullPlan, HeldBlobsAndRepeatsAreSkipped) {
  auto m = manifest_of({desc("a", 1), desc("b", 2), desc("a", 1)});
  auto plan = blobs_to_fetch(m, {m.config.digest, Digest::of("b")});
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].digest, Digest::of("a"));
}

RC_GTEST_PROP(PullPlan, FetchesExactlyTheMissingBlobsOnce, (std::vector<std::uint8_t> layer_ids, std::vector<std::uint8_t> held_ids)) {
  std::vector<Descriptor> layers;
  for (auto id : layer_ids) layers.push_back(desc(std::to_string(id % 8), id % 8));
  auto m = manifest_of(layers);
  std::set<Digest> held;
  for (auto id : held_ids) held.insert(Digest::of(std::to_string(id % 8)));
  auto plan = blobs_to_fetch(m, held);
  std::set<Digest> fetched;
  for (const auto& d : plan) {
    RC_ASSERT(!held.count(d.digest));
    RC_ASSERT(fetched.insert(d.digest).second);
  }
  for (const auto& l : m.layers) RC_ASSERT(held.count(l.digest) || fetched.count(l.digest));
  RC_ASSERT(fetched.count(m.config.digest) == 1u);
}

TEST(PullPlan, RecordPairsLayersWithDiffIds) {
  auto m = manifest_of({desc("a", 1), desc("b", 2)});
  Descriptor md{"application/vnd.oci.image.manifest.v1+json", Digest::of("m"), 300, std::nullopt};
  ImageConfig c;
  c.diff_ids = {Digest::of("da"), Digest::of("db")};
  auto r = record_for_pull(md, m, c, 42);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->manifest, Digest::of("m"));
  EXPECT_EQ(r->manifest_size, 300u);
  EXPECT_EQ(r->layers.size(), 2u);
  EXPECT_EQ(r->diff_ids[1], Digest::of("db"));
  EXPECT_EQ(r->last_used_ms, 42u);
  c.diff_ids.pop_back();
  auto bad = record_for_pull(md, m, c, 42);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("1 layer diff_ids but the manifest has 2"), std::string::npos) << bad.message();
}

}  // namespace
}  // namespace shoal::image
