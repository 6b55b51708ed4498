#include "image/rootfs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "image/archive_load.h"
#include "image/layer_unpack.h"
#include "tests/image/image_fixture.h"
#include "tests/image/tar_builder.h"

namespace shoal::image {
namespace {

using namespace testing;

bool exists(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(RootfsPlan, LowerDirsTopFirst) {
  const std::vector<Digest> ids{Digest::of("bottom"), Digest::of("top")};
  auto plan = plan_rootfs("/var/lib/shoal/layers", ids, "/var/lib/shoal/tasks/t1");
  ASSERT_TRUE(plan) << plan.message();
  EXPECT_EQ(plan->lower_dirs, (std::vector<std::string>{layer_fs_path("/var/lib/shoal/layers", ids[1]),
                                                        layer_fs_path("/var/lib/shoal/layers", ids[0])}));
  EXPECT_EQ(plan->merged_dir, "/var/lib/shoal/tasks/t1/rootfs");
  EXPECT_EQ(plan->mount_options(), "lowerdir=" + plan->lower_dirs[0] + ":" + plan->lower_dirs[1] +
                                       ",upperdir=/var/lib/shoal/tasks/t1/upper,workdir=/var/lib/shoal/tasks/t1/work");
  EXPECT_FALSE(plan_rootfs("/l", {}, "/t"));
  EXPECT_NE(plan_rootfs("/l", ids, "/t:x").message().find("':' or ','"), std::string::npos);
  EXPECT_FALSE(plan_rootfs("relative", ids, "/t"));
}

// The real two-layer image: loaded, unpacked once per layer, mounted; the file the second
// layer deleted is absent, the one it added is there, the task's writes go to its upper dir.
TEST(Rootfs, MountedImageShowsWhiteoutsAsAbsent) {
  SHOAL_REQUIRE_REAL_IMAGE();
  TempDir tmp;
  auto store = BlobStore::open(tmp / "store");
  ASSERT_TRUE(store);
  ImageCatalog catalog;
  LoadOptions lo;
  lo.default_registry = "registry.test:5000";
  auto loaded = load_image_archive(RealImage::get().docker_archive(), *store, catalog, lo);
  ASSERT_TRUE(loaded) << loaded.message();
  const ImageRecord* image = catalog.find((*loaded)[0].manifest);
  const std::string layers = tmp / "layers";
  ASSERT_TRUE(make_dirs(layers));
  std::vector<Digest> ids = image->diff_ids;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto fs = ensure_layer_unpacked(layers, ids[i], store->path(image->layers[i].digest), UnpackOptions{});
    ASSERT_TRUE(fs) << fs.message();
  }
  // A third, crafted layer makes /var/cache opaque (umoci writes per-file whiteouts instead).
  const BuiltLayer opaque = write_layer(tmp / "opaque.blob",
                                        {dir("var"), dir("var/cache"), file("var/cache/.wh..wh..opq", ""),
                                         file("var/cache/only", "o")});
  ASSERT_TRUE(ensure_layer_unpacked(layers, opaque.diff_id, opaque.path, UnpackOptions{}));
  ids.push_back(opaque.diff_id);

  auto plan = plan_rootfs(layers, ids, tmp / "task");
  ASSERT_TRUE(plan) << plan.message();
  auto mounted = mount_rootfs(*plan);
  ASSERT_TRUE(mounted) << mounted.message();
  const std::string root = plan->merged_dir;
  EXPECT_FALSE(exists(root + "/etc/motd"));  // whiteout in layer 2
  EXPECT_EQ(slurp(root + "/etc/keep"), "keep\n");
  EXPECT_EQ(slurp(root + "/etc/new"), "new\n");
  EXPECT_TRUE(exists(root + "/bin/busybox"));
  EXPECT_FALSE(exists(root + "/var/cache/c"));  // hidden by the opaque dir of layer 3
  EXPECT_EQ(slurp(root + "/var/cache/only"), "o");
  std::ofstream(root + "/etc/written-by-task") << "w";
  EXPECT_TRUE(exists(plan->upper_dir + "/etc/written-by-task"));
  EXPECT_FALSE(exists(plan->lower_dirs.back() + "/etc/written-by-task"));
  // The busybox of the image runs in it.
  EXPECT_EQ(std::system(("chroot " + root + " /bin/sh -c 'test ! -e /etc/motd && test -e /etc/keep'").c_str()), 0);

  ASSERT_TRUE(remove_rootfs(*plan));
  EXPECT_FALSE(exists(plan->upper_dir));
  EXPECT_FALSE(exists(plan->merged_dir));
  EXPECT_TRUE(exists(layer_fs_path(layers, ids[0]) + "/etc/motd"));  // layers are untouched
  EXPECT_TRUE(remove_rootfs(*plan));  // twice is fine
}

// More layers than mount(2)'s one-page option string can name: the fsconfig path takes them.
TEST(Rootfs, ManyLayersBeyondOnePageOfOptions) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting overlayfs needs root";
  TempDir tmp;
  const std::string layers = tmp / "layers";
  ASSERT_TRUE(make_dirs(layers));
  std::vector<Digest> ids;
  for (int i = 0; i < 64; ++i) {
    const BuiltLayer l = write_layer(tmp / "l.blob", {file("f" + std::to_string(i), std::to_string(i)),
                                                     file("top", std::to_string(i))});
    ASSERT_TRUE(ensure_layer_unpacked(layers, l.diff_id, l.path, UnpackOptions{}));
    ids.push_back(l.diff_id);
  }
  auto plan = plan_rootfs(layers, ids, tmp / "task");
  ASSERT_TRUE(plan);
  ASSERT_GT(plan->mount_options().size(), kMaxMountOptionsBytes);
  auto mounted = mount_rootfs(*plan);
  ASSERT_TRUE(mounted) << mounted.message();
  EXPECT_EQ(slurp(plan->merged_dir + "/f0"), "0");
  EXPECT_EQ(slurp(plan->merged_dir + "/f63"), "63");
  EXPECT_EQ(slurp(plan->merged_dir + "/top"), "63");  // the last layer wins
  EXPECT_TRUE(remove_rootfs(*plan));
}

}  // namespace
}  // namespace shoal::image
