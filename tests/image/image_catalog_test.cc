#include "image/image_catalog.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/image/catalog_formats.h"

namespace shoal::image {
namespace {

using testing::in_current_format;
using testing::kCatalogMagic;
using testing::kLegacyCatalog;

BlobRef blob(const std::string& name, std::uint64_t size) { return {Digest::of(name), size}; }

ImageRecord image(const std::string& name, std::vector<BlobRef> layers, std::uint64_t used_ms) {
  ImageRecord r;
  r.manifest = Digest::of("manifest " + name);
  r.manifest_size = 1;
  r.config = blob("config " + name, 1);
  r.layers = std::move(layers);
  for (const auto& l : r.layers) r.diff_ids.push_back(Digest::of("diff " + l.digest.hex()));
  r.last_used_ms = used_ms;
  return r;
}

TEST(ImageCatalog, TagsAndSharedSizes) {
  ImageCatalog c;
  const auto base = blob("base", 100);
  c.add(image("a", {base, blob("a1", 10)}, 5));
  c.add(image("b", {base, blob("b1", 20)}, 7));
  EXPECT_EQ(c.total_bytes(), 100u + 10 + 20 + 4);  // base counted once; 2 manifests + 2 configs
  const Digest a = Digest::of("manifest a");
  ASSERT_TRUE(c.tag("r:5000/a:1", a));
  ASSERT_TRUE(c.tag("r:5000/a:latest", a));
  EXPECT_FALSE(c.tag("r:5000/x:1", Digest::of("nope")));
  EXPECT_EQ(c.resolve("r:5000/a:1"), a);
  EXPECT_EQ(c.names_of(a).size(), 2u);
  c.untag("r:5000/a:1");
  EXPECT_FALSE(c.resolve("r:5000/a:1"));
  c.remove(a);
  EXPECT_FALSE(c.find(a));
  EXPECT_TRUE(c.names_of(a).empty());
  EXPECT_EQ(c.total_bytes(), 100u + 20 + 2);
}

TEST(ImageCatalog, TouchAndAddKeepLatestUse) {
  ImageCatalog c;
  c.add(image("a", {}, 5));
  c.touch(Digest::of("manifest a"), 9);
  c.add(image("a", {}, 3));
  EXPECT_EQ(c.find(Digest::of("manifest a"))->last_used_ms, 9u);
}

TEST(ImageCatalog, EncodeDecodeAndChecksum) {
  ImageCatalog c;
  c.add(image("a", {blob("l1", 10), blob("l2", 20)}, 5));
  ASSERT_TRUE(c.tag("r:5000/a:1", Digest::of("manifest a")));
  const std::string text = c.encode();
  EXPECT_TRUE(in_current_format(text));
  auto back = ImageCatalog::decode(text);
  ASSERT_TRUE(back) << back.message();
  EXPECT_EQ(*back, c);
  std::string torn = text.substr(0, text.size() - 3);
  EXPECT_NE(ImageCatalog::decode(torn).message().find("checksum mismatch"), std::string::npos);
  EXPECT_FALSE(ImageCatalog::decode(text.substr(0, 12)));  // torn inside the header
  std::string edited = text;
  edited[edited.find("\"size\":10")] = ' ';
  EXPECT_NE(ImageCatalog::decode(edited).message().find("checksum mismatch"), std::string::npos);
  std::string header_edited = text;
  header_edited[kCatalogMagic.size()] ^= 1;  // a bit of the stored checksum
  EXPECT_FALSE(ImageCatalog::decode(header_edited));
  EXPECT_FALSE(ImageCatalog::decode(""));
  // A well-checksummed body that is wrong inside is still refused field by field.
  const std::string body = R"({"version":1,"images":[],"names":{"x":"sha256:00"}})";
  const Bytes sealed = seal_checksummed(kCatalogMagic, Bytes(body.begin(), body.end()));
  auto bad = ImageCatalog::decode(std::string(sealed.begin(), sealed.end()));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("name x"), std::string::npos) << bad.message();
}

// A catalog written before the checksummed.h format still loads, and is checked as it was.
TEST(ImageCatalog, DecodesTheFormatBeforeChecksummed) {
  auto old = ImageCatalog::decode(kLegacyCatalog);
  ASSERT_TRUE(old) << old.message();
  EXPECT_EQ(*old, testing::legacy_catalog_contents());
  EXPECT_TRUE(in_current_format(old->encode()));

  const std::string torn = kLegacyCatalog.substr(0, kLegacyCatalog.size() - 3);
  EXPECT_NE(ImageCatalog::decode(torn).message().find("checksum mismatch"), std::string::npos);
  std::string edited = kLegacyCatalog;
  edited[edited.find("\"size\":3")] = ' ';
  EXPECT_NE(ImageCatalog::decode(edited).message().find("checksum mismatch"), std::string::npos);
  std::string sum_edited = kLegacyCatalog;
  sum_edited[0] = sum_edited[0] == '0' ? '1' : '0';
  EXPECT_NE(ImageCatalog::decode(sum_edited).message().find("checksum mismatch"), std::string::npos);
  EXPECT_FALSE(ImageCatalog::decode(kLegacyCatalog.substr(0, 40)));  // torn inside the checksum line
}

TEST(PrunePlan, LeastRecentlyUsedUnusedFirst) {
  ImageCatalog c;
  const auto base = blob("base", 100);
  c.add(image("old", {base, blob("old1", 50)}, 1));
  c.add(image("mid", {blob("mid1", 30)}, 2));
  c.add(image("new", {base, blob("new1", 40)}, 3));
  c.add(image("svc", {blob("svc1", 500)}, 0));  // oldest but in use
  const std::set<Digest> in_use{Digest::of("manifest svc")};
  const std::uint64_t before = c.total_bytes();
  EXPECT_EQ(before, 100u + 50 + 30 + 40 + 500 + 8);

  // Budget that one removal satisfies: only "old" goes; "base" stays (new uses it).
  auto p = plan_prune(c, in_use, before - 50);
  EXPECT_EQ(p.remove_images, std::vector<Digest>{Digest::of("manifest old")});
  EXPECT_EQ(p.bytes_after, before - 52);
  std::vector<Digest> blobs{Digest::of("manifest old"), Digest::of("config old"), Digest::of("old1")};
  std::sort(blobs.begin(), blobs.end());
  EXPECT_EQ(p.remove_blobs, blobs);

  // Budget 0: every unused image, in LRU order; the in-use one stays with its blobs.
  auto all = plan_prune(c, in_use, 0);
  EXPECT_EQ(all.remove_images, (std::vector<Digest>{Digest::of("manifest old"), Digest::of("manifest mid"),
                                                    Digest::of("manifest new")}));
  EXPECT_EQ(all.bytes_after, 502u);

  // A budget that cannot be met removes all it may and stops.
  auto tight = plan_prune(c, in_use, 10);
  EXPECT_EQ(tight.remove_images.size(), 3u);
  EXPECT_EQ(tight.bytes_after, 502u);
}

// Law: a prune plan never removes an in-use image or a blob a kept image needs, and its
// bytes_after is what the kept images really take.
RC_GTEST_PROP(PrunePlan, KeepsWhatIsUsed, (const std::vector<std::pair<std::uint8_t, std::uint8_t>>& spec,
                                          std::uint16_t budget)) {
  ImageCatalog c;
  std::set<Digest> in_use;
  for (std::size_t i = 0; i < spec.size() && i < 30; ++i) {
    const auto [shared, used] = spec[i];
    c.add(image(std::to_string(i), {blob("shared" + std::to_string(shared % 3), 10 + shared % 3),
                                     blob("own" + std::to_string(i), used)}, used));
    if (used % 5 == 0) in_use.insert(Digest::of("manifest " + std::to_string(i)));
  }
  const PrunePlan plan = plan_prune(c, in_use, budget);
  ImageCatalog kept = c;
  for (const auto& d : plan.remove_images) {
    RC_ASSERT(!in_use.count(d));
    kept.remove(d);
  }
  const auto needed = kept.referenced_blobs();
  for (const auto& b : plan.remove_blobs) RC_ASSERT(!needed.count(b));
  RC_ASSERT(plan.bytes_after == kept.total_bytes());
  RC_ASSERT(plan.bytes_before == c.total_bytes());
  RC_ASSERT(kept.referenced_blobs().size() + plan.remove_blobs.size() == c.referenced_blobs().size());
}

}  // namespace
}  // namespace shoal::image
