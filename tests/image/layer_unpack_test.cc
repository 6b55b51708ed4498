#include "image/layer_unpack.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "tests/image/tar_builder.h"
#include "tests/image/temp_dir.h"

namespace shoal::image {
namespace {

using namespace testing;

bool is_root() { return ::geteuid() == 0; }

UnpackOptions opts() {
  UnpackOptions o;
  o.keep_ownership = is_root();
  o.overlay_whiteouts = is_root();
  return o;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool exists(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0;
}

class LayerUnpack : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(make_dirs(dir_ / "target"));
    ASSERT_TRUE(make_dirs(dir_ / "outside"));
  }
  Result<UnpackStats> unpack(const std::vector<TarEntry>& entries, Filter f = Filter::kGzip,
                             UnpackOptions o = opts()) {
    const BuiltLayer l = write_layer(dir_ / "layer.blob", entries, f);
    return unpack_layer(l.path, target(), l.diff_id, o);
  }
  std::string target() const { return dir_ / "target"; }
  std::string outside() const { return dir_ / "outside"; }
  // Nothing may appear next to the target or in the decoy directory.
  void expect_contained() {
    EXPECT_FALSE(exists(outside() + "/pwned"));
    EXPECT_FALSE(exists(dir_ / "pwned"));
    EXPECT_FALSE(exists(dir_ / "escape"));
  }
  TempDir dir_;
};

TEST_F(LayerUnpack, KeepsContentModesTimesLinksAndXattrs) {
  TarEntry suid = file("usr/bin/tool", "#!/bin/sh\n", 04755);
  suid.uid = 1234;
  suid.gid = 5678;
  suid.mtime = 1'500'000'000;
  suid.xattrs = {{"user.note", "hello"}, {"trusted.overlay.redirect", "/etc"}, {"user.overlay.metacopy", ""}};
  TarEntry fifo = file("run/fifo", "");
  fifo.type = AE_IFIFO;
  TarEntry ro = dir("ro", 0555);
  ro.mtime = 1'400'000'000;
  auto stats = unpack({dir("usr"), dir("usr/bin"), suid, symlink("usr/bin/sh", "/bin/busybox"),
                       hardlink("usr/bin/tool2", "usr/bin/tool"), fifo, ro, file("ro/inside", "x"),
                       file("./dotted", "d"), file("implicit/parent/file", "p")},
                      Filter::kNone);
  ASSERT_TRUE(stats) << stats.message();
  EXPECT_EQ(stats->entries, 10u);
  // trusted.overlay.* never comes from a layer. libarchive's pax writer stores each xattr
  // twice (LIBARCHIVE.xattr and SCHILY.xattr headers) and its reader returns both.
  EXPECT_EQ(stats->dropped_xattrs, 4u);
  const std::string t = target();
  EXPECT_EQ(slurp(t + "/usr/bin/tool"), "#!/bin/sh\n");
  struct stat st{};
  ASSERT_EQ(::lstat((t + "/usr/bin/tool").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1'500'000'000);
  EXPECT_EQ(st.st_nlink, 2u);
  if (is_root()) {
    EXPECT_EQ(st.st_mode & 07777, 04755u);
    EXPECT_EQ(st.st_uid, 1234u);
    EXPECT_EQ(st.st_gid, 5678u);
  }
  char value[16] = {};
  EXPECT_EQ(::getxattr((t + "/usr/bin/tool").c_str(), "user.note", value, sizeof value), 5);
  EXPECT_STREQ(value, "hello");
  char link[64] = {};
  ASSERT_GT(::readlink((t + "/usr/bin/sh").c_str(), link, sizeof link), 0);
  EXPECT_STREQ(link, "/bin/busybox");
  ASSERT_EQ(::lstat((t + "/run/fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  ASSERT_EQ(::lstat((t + "/ro").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0555u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1'400'000'000);
  EXPECT_EQ(slurp(t + "/ro/inside"), "x");
  EXPECT_EQ(slurp(t + "/dotted"), "d");
  EXPECT_EQ(slurp(t + "/implicit/parent/file"), "p");
}

TEST_F(LayerUnpack, GzipZstdAndPlainGiveTheSameTree) {
  for (Filter f : {Filter::kNone, Filter::kGzip, Filter::kZstd}) {
    ASSERT_TRUE(remove_tree(target()));
    ASSERT_TRUE(make_dirs(target()));
    auto stats = unpack({dir("etc"), file("etc/motd", std::string(100'000, 'm'))}, f);
    ASSERT_TRUE(stats) << static_cast<int>(f) << ": " << stats.message();
    EXPECT_EQ(slurp(target() + "/etc/motd"), std::string(100'000, 'm'));
  }
}

TEST_F(LayerUnpack, WrongDiffIdIsRefused) {
  const BuiltLayer l = write_layer(dir_ / "layer.blob", {file("a", "a")});
  auto r = unpack_layer(l.path, target(), Digest::of("another layer"), opts());
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("but the image config says"), std::string::npos) << r.message();
}

TEST_F(LayerUnpack, GarbageAndTruncatedStreamsAreErrors) {
  std::ofstream(dir_ / "garbage.blob") << "this is not a tar stream at all, not even close to one......";
  auto g = unpack_layer(dir_ / "garbage.blob", target(), Digest::of("x"), opts());
  ASSERT_FALSE(g);
  const std::string tar = build_tar({file("big", std::string(50'000, 'b'))});
  const std::string gz = compress(tar, Filter::kGzip);
  std::ofstream(dir_ / "cut.blob", std::ios::binary) << gz.substr(0, gz.size() / 2);
  auto c = unpack_layer(dir_ / "cut.blob", target(), Digest::of(tar), opts());
  ASSERT_FALSE(c);
}

struct Escape {
  const char* name;
  std::vector<TarEntry> entries;
  const char* error_part;
};

TEST_F(LayerUnpack, EveryEscapeKindIsRefused) {
  const std::string out = outside();
  const std::vector<Escape> cases = {
      {"dot-dot", {file("../pwned", "x")}, "'..' component"},
      {"dot-dot inside", {dir("a"), file("a/../../pwned", "x")}, "'..' component"},
      {"absolute", {file(out + "/pwned", "x")}, "absolute path"},
      {"symlink parent (absolute target)", {symlink("link", out), file("link/pwned", "x")},
       "goes through the symlink 'link'"},
      {"symlink parent (relative target)", {symlink("up", ".."), file("up/pwned", "x")},
       "goes through the symlink 'up'"},
      {"symlink deeper in the path", {dir("a"), symlink("a/b", out), file("a/b/c/pwned", "x")},
       "goes through the symlink 'b'"},
      {"directory entry through symlink", {symlink("link", out), dir("link/pwned")},
       "goes through the symlink"},
      {"hardlink outside (dot-dot)", {hardlink("h", "../escape")}, "outside the layer"},
      {"hardlink outside (absolute)", {hardlink("h", "/etc/passwd")}, "outside the layer"},
      {"hardlink through symlink", {symlink("etc", "/etc"), hardlink("h", "etc/passwd")},
       "goes through the symlink 'etc'"},
      {"hardlink to nothing", {hardlink("h", "missing")}, "not an earlier entry"},
      {"whiteout through symlink", {symlink("link", out), file("link/.wh.pwned", "")},
       "goes through the symlink"},
      {"whiteout of dot-dot", {file(".wh..", "")}, "whiteout of nothing"},
  };
  for (const auto& c : cases) {
    ASSERT_TRUE(remove_tree(target()));
    ASSERT_TRUE(make_dirs(target()));
    std::ofstream(out + "/victim") << "intact";
    auto r = unpack(c.entries);
    ASSERT_FALSE(r) << c.name;
    EXPECT_NE(r.message().find(c.error_part), std::string::npos) << c.name << ": " << r.message();
    expect_contained();
    EXPECT_EQ(slurp(out + "/victim"), "intact") << c.name;
  }
}

TEST_F(LayerUnpack, ReplacingASymlinkWritesTheEntryNotTheTarget) {
  // A later entry of the same name replaces the symlink; it never writes through it.
  std::ofstream(outside() + "/victim") << "intact";
  auto r = unpack({symlink("f", outside() + "/victim"), file("f", "new"),
                   symlink("d", outside()), dir("d")});
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(slurp(outside() + "/victim"), "intact");
  EXPECT_EQ(slurp(target() + "/f"), "new");
  struct stat st{};
  ASSERT_EQ(::lstat((target() + "/d").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST_F(LayerUnpack, DevicesOnlyWhenAllowed) {
  TarEntry dev = file("dev/null", "");
  dev.type = AE_IFCHR;
  dev.rdev = makedev(1, 3);
  auto r = unpack({dev});
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("device node"), std::string::npos) << r.message();
  if (!is_root()) GTEST_SKIP() << "creating a device node needs root";
  UnpackOptions o = opts();
  o.allow_devices = true;
  ASSERT_TRUE(remove_tree(target()));
  ASSERT_TRUE(make_dirs(target()));
  auto ok = unpack({dev}, Filter::kGzip, o);
  ASSERT_TRUE(ok) << ok.message();
  struct stat st{};
  ASSERT_EQ(::lstat((target() + "/dev/null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
}

TEST_F(LayerUnpack, CapsOnEntriesBytesAndPaths) {
  UnpackOptions o = opts();
  o.max_entries = 3;
  auto many = unpack({file("a", ""), file("b", ""), file("c", ""), file("d", "")}, Filter::kGzip, o);
  ASSERT_FALSE(many);
  EXPECT_NE(many.message().find("more than 3 entries"), std::string::npos);

  // A decompression bomb: 64 MiB of zeros compresses to ~64 KiB.
  o = opts();
  o.max_total_bytes = 1u << 20;
  ASSERT_TRUE(remove_tree(target()));
  ASSERT_TRUE(make_dirs(target()));
  auto bomb = unpack({file("zeros", std::string(8u << 20, '\0'))}, Filter::kGzip, o);
  ASSERT_FALSE(bomb);
  EXPECT_NE(bomb.message().find("bytes of files (the limit)"), std::string::npos) << bomb.message();

  o = opts();
  o.max_path_bytes = 50;
  auto longp = unpack({file(std::string(60, 'p'), "")}, Filter::kGzip, o);
  ASSERT_FALSE(longp);
  EXPECT_NE(longp.message().find("path longer than 50"), std::string::npos);
}

TEST_F(LayerUnpack, WhiteoutsBecomeOverlayMarkers) {
  if (!is_root()) GTEST_SKIP() << "overlay whiteouts (mknod 0/0, trusted.* xattrs) need root";
  auto r = unpack({dir("etc"), file("etc/.wh.motd", ""), dir("var"), dir("var/cache"),
                   file("var/cache/.wh..wh..opq", ""), file("var/cache/new", "n"),
                   file(".wh..wh..plnk", "")});
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(r->whiteouts, 1u);
  EXPECT_EQ(r->opaque_dirs, 1u);
  struct stat st{};
  ASSERT_EQ(::lstat((target() + "/etc/motd").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_FALSE(exists(target() + "/etc/.wh.motd"));
  char v[4] = {};
  EXPECT_EQ(::getxattr((target() + "/var/cache").c_str(), "trusted.overlay.opaque", v, sizeof v), 1);
  EXPECT_EQ(v[0], 'y');
  EXPECT_FALSE(exists(target() + "/var/cache/.wh..wh..opq"));
  EXPECT_FALSE(exists(target() + "/.wh..wh..plnk"));
}

TEST_F(LayerUnpack, EnsureUnpackedOnceWithMarker) {
  const BuiltLayer l = write_layer(dir_ / "layer.blob", {file("a", "1")});
  const std::string layers = dir_ / "layers";
  ASSERT_TRUE(make_dirs(layers));
  EXPECT_FALSE(layer_unpacked(layers, l.diff_id));
  auto fs = ensure_layer_unpacked(layers, l.diff_id, l.path, opts());
  ASSERT_TRUE(fs) << fs.message();
  EXPECT_EQ(*fs, layer_fs_path(layers, l.diff_id));
  EXPECT_TRUE(layer_unpacked(layers, l.diff_id));
  // Once: a second call does not touch the tree (a file added to it survives).
  std::ofstream(*fs + "/marker-of-first-unpack") << "";
  ASSERT_TRUE(ensure_layer_unpacked(layers, l.diff_id, l.path, opts()));
  EXPECT_TRUE(exists(*fs + "/marker-of-first-unpack"));
  // A dir without the marker (crash mid-unpack) is redone from scratch.
  ASSERT_EQ(::unlink((layers + "/" + l.diff_id.hex() + "/done").c_str()), 0);
  ASSERT_TRUE(ensure_layer_unpacked(layers, l.diff_id, l.path, opts()));
  EXPECT_FALSE(exists(*fs + "/marker-of-first-unpack"));
  // A failed unpack leaves no directory behind.
  const BuiltLayer bad = write_layer(dir_ / "bad.blob", {file("../x", "")});
  EXPECT_FALSE(ensure_layer_unpacked(layers, bad.diff_id, bad.path, opts()));
  EXPECT_FALSE(exists(layers + "/" + bad.diff_id.hex()));
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.push_back(e->d_name);
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Law: whatever sequence of entries a layer holds (paths built from '..', '.', symlinks to
// outside, hard links, whiteouts, absolute prefixes), unpacking it, successful or not, changes
// nothing outside the target directory.
RC_GTEST_PROP(LayerUnpackProperty, NothingEverLandsOutside, ()) {
  TempDir tmp;
  const std::string target = tmp / "target", outside = tmp / "outside";
  RC_ASSERT(make_dirs(target).ok());
  RC_ASSERT(make_dirs(outside).ok());
  std::ofstream(outside + "/victim") << "intact";
  // Weighted towards the dangerous shapes: a symlink "link" to outside, then paths through it.
  const auto gen_comp = rc::gen::weightedElement<std::string>(
      {{8, "link"}, {3, "a"}, {1, ".."}, {1, "."}, {1, ""}, {1, ".wh.a"}, {1, ".wh..wh..opq"}, {4, "victim"}});
  const auto gen_path = rc::gen::apply(
      [&](const std::string& prefix, const std::vector<std::string>& parts) {
        std::string p = prefix;
        for (std::size_t i = 0; i < parts.size(); ++i) p += (i ? "/" : "") + parts[i];
        return p;
      },
      rc::gen::weightedElement<std::string>({{16, ""}, {1, "/"}, {1, outside + "/"}, {1, "./"}}),
      rc::gen::resize(3, rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(gen_comp))));
  const auto gen_target = rc::gen::weightedElement<std::string>(
      {{6, outside}, {2, outside + "/victim"}, {2, ".."}, {1, "../.."}, {1, "/"}, {1, "a"}, {1, "link/.."},
       {2, "link/victim"}});
  // Most runs start with a symlink "link" the later entries can try to write through.
  std::vector<TarEntry> entries;
  if (*rc::gen::weightedElement<int>({{4, 1}, {1, 0}})) entries.push_back(symlink("link", *gen_target));
  const auto more = *rc::gen::resize(6, rc::gen::container<std::vector<TarEntry>>(rc::gen::apply(
      [&](const std::string& path, int kind, const std::string& tgt) {
        switch (kind) {
          case 0: case 1: case 2: return file(path, "pwned");
          case 3: return dir(path);
          case 4: case 5: case 6: return symlink(path, tgt);
          default: return hardlink(path, tgt);
        }
      },
      gen_path, rc::gen::inRange(0, 8), gen_target)));
  entries.insert(entries.end(), more.begin(), more.end());
  const BuiltLayer l = write_layer(tmp / "layer.blob", entries, Filter::kNone);
  (void)unpack_layer(l.path, target, l.diff_id, opts());
  RC_ASSERT(names_in(outside) == std::vector<std::string>{"victim"});
  RC_ASSERT(slurp(outside + "/victim") == "intact");
  RC_ASSERT(names_in(tmp.path()) == (std::vector<std::string>{"layer.blob", "outside", "target"}));
}

}  // namespace
}  // namespace shoal::image
