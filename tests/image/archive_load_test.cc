#include "image/archive_load.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "image/image_config.h"
#include "image/layer_unpack.h"
#include "image/manifest.h"
#include "tests/image/image_fixture.h"
#include "tests/image/tar_builder.h"

namespace shoal::image {
namespace {

using namespace testing;

constexpr const char* kRegistry = "registry.test:5000";

LoadOptions load_options() {
  LoadOptions o;
  o.default_registry = kRegistry;
  o.repository_for_bare_tags = "local/app";
  o.now_ms = 42;
  return o;
}

// Every blob of every loaded image is in the store and still hashes to its name; the config
// parses and has one diff_id per layer.
void expect_complete(const BlobStore& store, const ImageCatalog& catalog, const LoadedImage& image) {
  const ImageRecord* r = catalog.find(image.manifest);
  ASSERT_NE(r, nullptr);
  for (const auto& b : r->blobs()) {
    EXPECT_TRUE(store.verify(b.digest)) << b.digest.to_string();
    EXPECT_EQ(*store.size(b.digest), b.size);
  }
  auto config = parse_image_config(*store.read_verified(r->config.digest, 1 << 20));
  ASSERT_TRUE(config) << config.message();
  EXPECT_EQ(config->diff_ids, r->diff_ids);
  EXPECT_EQ(config->env, std::vector<std::string>{"FOO=bar"});
  EXPECT_EQ(r->layers.size(), 2u);
  EXPECT_EQ(r->last_used_ms, 42u);
}

class ArchiveLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    SHOAL_REQUIRE_REAL_IMAGE();
    auto s = BlobStore::open(dir_ / "store");
    ASSERT_TRUE(s) << s.message();
    store_.emplace(std::move(*s));
  }
  TempDir dir_;
  std::optional<BlobStore> store_;
  ImageCatalog catalog_;
};

TEST_F(ArchiveLoad, OciLayoutDirectory) {
  auto loaded = load_image_archive(RealImage::get().oci_dir(), *store_, catalog_, load_options());
  ASSERT_TRUE(loaded) << loaded.message();
  ASSERT_EQ(loaded->size(), 1u);
  // skopeo's oci:DIR:v2 writes a bare tag: it goes under repository_for_bare_tags.
  EXPECT_EQ((*loaded)[0].names, std::vector<std::string>{"registry.test:5000/local/app:v2"});
  EXPECT_EQ(catalog_.resolve("registry.test:5000/local/app:v2"), (*loaded)[0].manifest);
  expect_complete(*store_, catalog_, (*loaded)[0]);
}

TEST_F(ArchiveLoad, OciArchiveKeepsTheRegistryManifestDigest) {
  auto from_dir = load_image_archive(RealImage::get().oci_dir(), *store_, catalog_, load_options());
  auto loaded = load_image_archive(RealImage::get().oci_archive(), *store_, catalog_, load_options());
  ASSERT_TRUE(loaded) << loaded.message();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].names, std::vector<std::string>{"registry.test:5000/test/app:v2"});
  EXPECT_EQ((*loaded)[0].manifest, (*from_dir)[0].manifest);  // same bytes, same digest
  expect_complete(*store_, catalog_, (*loaded)[0]);
  EXPECT_EQ(catalog_.images().size(), 1u);
  EXPECT_EQ(catalog_.names().size(), 2u);
}

TEST_F(ArchiveLoad, DockerSaveArchive) {
  auto loaded = load_image_archive(RealImage::get().docker_archive(), *store_, catalog_, load_options());
  ASSERT_TRUE(loaded) << loaded.message();
  ASSERT_EQ(loaded->size(), 1u);
  // skopeo wrote RepoTags "docker.io/test/app:v2": a name with its registry keeps it.
  EXPECT_EQ((*loaded)[0].names, std::vector<std::string>{"docker.io/test/app:v2"});
  expect_complete(*store_, catalog_, (*loaded)[0]);
  // Layers are stored as the archive had them (uncompressed tars) and unpack to their diff_ids.
  const ImageRecord* r = catalog_.find((*loaded)[0].manifest);
  EXPECT_EQ(r->layers[0].digest, r->diff_ids[0]);
  // Nothing is left in the store's tmp/ after extraction.
  EXPECT_EQ(::rmdir((dir_ / "store/tmp").c_str()), 0);
}

TEST_F(ArchiveLoad, CorruptOciBlobRecordsNothing) {
  const std::string copy = dir_ / "oci";
  ASSERT_EQ(std::system(("cp -a " + RealImage::get().oci_dir() + " " + copy).c_str()), 0);
  // Flip the last byte of the largest blob (the busybox layer).
  const std::string find_largest = "ls -S " + copy + "/blobs/sha256 | head -1";
  FILE* p = ::popen(find_largest.c_str(), "r");
  char name[128] = {};
  ASSERT_TRUE(std::fgets(name, sizeof name, p));
  ::pclose(p);
  const std::string blob = copy + "/blobs/sha256/" + std::string(name, 64);
  std::fstream f(blob, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(-1, std::ios::end);
  const char last = static_cast<char>(f.get());
  f.seekp(-1, std::ios::end);
  f.put(static_cast<char>(last ^ 1));
  f.close();
  auto loaded = load_image_archive(copy, *store_, catalog_, load_options());
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.message().find("does not match its digest"), std::string::npos) << loaded.message();
  EXPECT_TRUE(catalog_.images().empty());
  EXPECT_FALSE(store_->has(*Digest::parse_hex(std::string(name, 64))));
}

// A layout listing several platforms loads only the node's (the others' blobs are absent).
TEST_F(ArchiveLoad, MultiPlatformLayoutLoadsTheNodesOnly) {
  const std::string copy = dir_ / "oci";
  ASSERT_EQ(std::system(("cp -a " + RealImage::get().oci_dir() + " " + copy).c_str()), 0);
  std::ifstream in(copy + "/index.json");
  std::string index((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string host = R"("platform":{"os":"linux","architecture":")" + host_platform().architecture + R"("},)";
  const auto pos = index.find(R"("annotations")");
  ASSERT_NE(pos, std::string::npos);
  index.insert(pos, host);
  const std::string other = R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:)" +
                            std::string(64, 'e') + R"(","size":10,"platform":{"os":"linux","architecture":"s390x"}},)";
  index.insert(index.find('[') + 1, other);
  std::ofstream(copy + "/index.json", std::ios::trunc) << index;
  auto loaded = load_image_archive(copy, *store_, catalog_, load_options());
  ASSERT_TRUE(loaded) << loaded.message();
  EXPECT_EQ(loaded->size(), 1u);
  LoadOptions riscv = load_options();
  riscv.platform = {"linux", "riscv64", ""};
  ImageCatalog other_catalog;
  auto none = load_image_archive(copy, *store_, other_catalog, riscv);
  ASSERT_FALSE(none);
  EXPECT_NE(none.message().find("offers: linux/s390x, linux/"), std::string::npos) << none.message();
}

TEST_F(ArchiveLoad, HostileDockerArchives) {
  const std::string config = R"({"os":"linux","architecture":"amd64","rootfs":{"type":"layers","diff_ids":[")" +
                             Digest::of("x").to_string() + R"("]}})";
  struct Case { const char* name; std::vector<TarEntry> entries; const char* error_part; };
  const std::vector<Case> cases = {
      {"entry escapes", {file("../evil", "x")}, "'..' component"},
      {"config read through a symlink out", {symlink("c.json", "/etc/passwd"),
        file("manifest.json", R"([{"Config":"c.json","RepoTags":[],"Layers":[]}])")}, "c.json"},
      {"config path climbs out", {file("manifest.json", R"([{"Config":"../../../../etc/passwd","RepoTags":[],"Layers":[]}])")},
       "etc/passwd"},
      {"config name lies", {file(std::string(64, 'a') + ".json", config),
        file("manifest.json", R"([{"Config":")" + std::string(64, 'a') + R"(.json","RepoTags":[],"Layers":["l.tar"]}])")},
       "does not hash to the digest its name says"},
      {"layer does not match diff_id", {file("c.json", config), file("l.tar", build_tar({file("a", "a")})),
        file("manifest.json", R"([{"Config":"c.json","RepoTags":["x:1"],"Layers":["l.tar"]}])")},
       "does not match the config's diff_id"},
      {"neither format", {file("hello", "x")}, "neither"},
      {"device node", {[] { TarEntry e = file("dev", ""); e.type = AE_IFCHR; return e; }()}, "device node"},
  };
  for (const auto& c : cases) {
    const std::string path = dir_ / "hostile.tar";
    std::ofstream(path, std::ios::binary) << build_tar(c.entries);
    auto loaded = load_image_archive(path, *store_, catalog_, load_options());
    ASSERT_FALSE(loaded) << c.name;
    EXPECT_NE(loaded.message().find(c.error_part), std::string::npos) << c.name << ": " << loaded.message();
    EXPECT_TRUE(catalog_.images().empty()) << c.name;
  }
}

}  // namespace
}  // namespace shoal::image
