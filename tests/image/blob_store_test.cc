#include "image/blob_store.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <dirent.h>
#include <sys/stat.h>

#include <fstream>

#include "image/catalog_file.h"
#include "image/fetch_table.h"
#include "image/file_io.h"
#include "tests/image/catalog_formats.h"
#include "tests/image/temp_dir.h"

namespace shoal::image {
namespace {

using testing::TempDir;

std::size_t files_in(const std::string& dir) {
  auto store_list = [&] {
    std::size_t n = 0;
    if (DIR* d = ::opendir(dir.c_str())) {
      while (const dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
      ::closedir(d);
    }
    return n;
  };
  return store_list();
}

TEST(BlobStore, PutReadVerify) {
  TempDir dir;
  auto store = BlobStore::open(dir.path());
  ASSERT_TRUE(store) << store.message();
  const std::string data = "layer bytes";
  const Digest d = Digest::of(data);
  EXPECT_FALSE(store->has(d));
  ASSERT_TRUE(store->put(d, data));
  EXPECT_TRUE(store->has(d));
  EXPECT_EQ(store->path(d), dir.path() + "/blobs/sha256/" + d.hex());
  EXPECT_EQ(*store->size(d), data.size());
  EXPECT_EQ(*store->read_verified(d, 1024), data);
  EXPECT_TRUE(store->verify(d));
  EXPECT_EQ(store->list()->size(), 1u);
  EXPECT_EQ(files_in(dir / "tmp"), 0u);
  // Same content again (a second writer racing): fine, still one blob.
  ASSERT_TRUE(store->put(d, data));
  ASSERT_TRUE(store->remove(d));
  EXPECT_FALSE(store->has(d));
  EXPECT_TRUE(store->remove(d));  // removing twice is not an error
}

TEST(BlobStore, StreamedInChunks) {
  TempDir dir;
  auto store = BlobStore::open(dir.path());
  ASSERT_TRUE(store);
  std::string data(300'000, 'x');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  const Digest d = Digest::of(data);
  auto w = store->begin_write(d, data.size());
  ASSERT_TRUE(w);
  for (std::size_t pos = 0; pos < data.size(); pos += 65'536) {
    ASSERT_TRUE(w->write(std::string_view(data).substr(pos, 65'536)));
    EXPECT_FALSE(store->has(d));  // invisible until commit
  }
  ASSERT_TRUE(w->commit());
  EXPECT_TRUE(store->verify(d));
}

// A download broken after N bytes resumes at bytes_written() on the same writer.
TEST(BlobStore, ResumeAfterABrokenDownload) {
  TempDir dir;
  auto store = BlobStore::open(dir.path());
  ASSERT_TRUE(store);
  const std::string data = "0123456789abcdef";
  const Digest d = Digest::of(data);
  auto w = store->begin_write(d, data.size());
  ASSERT_TRUE(w->write(data.substr(0, 7)));
  // ... connection lost; retry with Range: bytes=<bytes_written()>-
  ASSERT_EQ(w->bytes_written(), 7u);
  ASSERT_TRUE(w->write(data.substr(w->bytes_written())));
  ASSERT_TRUE(w->commit());
  EXPECT_EQ(*store->read_verified(d, 100), data);
}

TEST(BlobStore, WrongDigestLeavesNothing) {
  TempDir dir;
  auto store = BlobStore::open(dir.path());
  ASSERT_TRUE(store);
  const Digest claimed = Digest::of("what the manifest said");
  auto st = store->put(claimed, "what the registry sent");
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("does not match its digest"), std::string::npos) << st.message();
  EXPECT_FALSE(store->has(claimed));
  EXPECT_EQ(files_in(dir / "tmp"), 0u);
  EXPECT_EQ(files_in(dir / "blobs/sha256"), 0u);
}

TEST(BlobStore, TruncatedAndOversizedLeaveNothing) {
  TempDir dir;
  auto store = BlobStore::open(dir.path());
  ASSERT_TRUE(store);
  const std::string data = "0123456789";
  const Digest d = Digest::of(data);
  {
    auto w = store->begin_write(d, data.size());
    ASSERT_TRUE(w->write(data.substr(0, 4)));
    auto st = w->commit();
    ASSERT_FALSE(st);
    EXPECT_NE(st.message().find("truncated: 4 of 10 bytes"), std::string::npos) << st.message();
  }
  {
    auto w = store->begin_write(d, 5);
    auto st = w->write(data);
    ASSERT_FALSE(st);
    EXPECT_NE(st.message().find("larger than its announced 5 bytes"), std::string::npos);
    EXPECT_FALSE(w->commit());
  }
  {
    auto w = store->begin_write(d, data.size());
    ASSERT_TRUE(w->write("01234"));
    // Dropped mid-write (connection lost, task removed).
  }
  EXPECT_FALSE(store->has(d));
  EXPECT_EQ(files_in(dir / "tmp"), 0u);
}

TEST(BlobStore, OpenClearsLeftoverTempFiles) {
  TempDir dir;
  ASSERT_TRUE(BlobStore::open(dir.path()));
  std::ofstream(dir / "tmp/abc.XXXXXX") << "partial write of a killed agent";
  ASSERT_TRUE(BlobStore::open(dir.path()));
  EXPECT_EQ(files_in(dir / "tmp"), 0u);
}

TEST(BlobStore, RotOnDiskIsDetected) {
  TempDir dir;
  auto store = BlobStore::open(dir.path());
  ASSERT_TRUE(store);
  const Digest d = Digest::of("config");
  ASSERT_TRUE(store->put(d, "config"));
  std::ofstream(store->path(d)) << "c0nfig";
  EXPECT_FALSE(store->verify(d));
  auto r = store->read_verified(d, 100);
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("pull it again"), std::string::npos);
  EXPECT_FALSE(store->read_verified(d, 3));  // bound on read
}

TEST(CatalogFile, SaveLoadAndPrune) {
  TempDir dir;
  auto store = BlobStore::open(dir / "store");
  ASSERT_TRUE(store);
  const std::string path = dir / "catalog";
  auto empty = load_catalog(path);
  ASSERT_TRUE(empty) << empty.message();
  EXPECT_TRUE(empty->images().empty());

  ImageCatalog catalog;
  auto add = [&](const std::string& name, const std::string& shared, std::uint64_t used_ms) {
    ImageRecord r;
    const std::string manifest = "manifest " + name, config = "config " + name, own = "layer " + name;
    for (const auto* b : {&manifest, &config, &own, &shared}) ASSERT_TRUE(store->put(Digest::of(*b), *b));
    r.manifest = Digest::of(manifest);
    r.manifest_size = manifest.size();
    r.config = {Digest::of(config), config.size()};
    r.layers = {{Digest::of(shared), shared.size()}, {Digest::of(own), own.size()}};
    r.last_used_ms = used_ms;
    catalog.add(r);
    ASSERT_TRUE(catalog.tag("r.io/" + name + ":1", r.manifest));
  };
  add("old", "base", 1);
  add("new", "base", 2);
  ASSERT_TRUE(save_catalog(path, catalog));
  auto back = load_catalog(path);
  ASSERT_TRUE(back) << back.message();
  EXPECT_EQ(*back, catalog);

  const PrunePlan plan = plan_prune(catalog, {Digest::of("manifest new")}, 0);
  ASSERT_TRUE(apply_prune(plan, path, catalog, *store));
  EXPECT_FALSE(store->has(Digest::of("layer old")));
  EXPECT_FALSE(store->has(Digest::of("manifest old")));
  EXPECT_TRUE(store->has(Digest::of("base")));  // still used by "new"
  EXPECT_TRUE(store->has(Digest::of("layer new")));
  EXPECT_EQ(*load_catalog(path), catalog);
  EXPECT_EQ(catalog.images().size(), 1u);

  std::ofstream(path, std::ios::app) << "x";  // torn or edited
  auto corrupt = load_catalog(path);
  ASSERT_FALSE(corrupt);
  EXPECT_NE(corrupt.message().find(path), std::string::npos);
}

// Migration: a catalog file in the format before common/checksummed.h loads, and the next save
// rewrites it in the current format.
TEST(CatalogFile, OldFormatLoadsAndIsRewrittenOnSave) {
  TempDir dir;
  const std::string path = dir / "catalog";
  ASSERT_TRUE(write_file_atomic(path, testing::kLegacyCatalog, 0600));
  auto old = load_catalog(path);
  ASSERT_TRUE(old) << old.message();
  EXPECT_EQ(*old, testing::legacy_catalog_contents());

  old->touch(old->images().begin()->first, 9);
  ASSERT_TRUE(save_catalog(path, *old));
  auto bytes = read_file_bounded(path, ImageCatalog::kMaxEncodedBytes);
  ASSERT_TRUE(bytes) << bytes.message();
  EXPECT_TRUE(testing::in_current_format(*bytes));
  auto back = load_catalog(path);
  ASSERT_TRUE(back) << back.message();
  EXPECT_EQ(*back, *old);
}

TEST(FetchTable, DeduplicatesByDigest) {
  FetchTable t;
  const Digest a = Digest::of("a"), b = Digest::of("b");
  EXPECT_EQ(t.request(a, 1), FetchTable::Decision::kStart);
  EXPECT_EQ(t.request(a, 2), FetchTable::Decision::kJoin);
  EXPECT_EQ(t.request(b, 3), FetchTable::Decision::kStart);
  EXPECT_EQ(t.request(a, 4), FetchTable::Decision::kJoin);
  t.cancel(a, 2);
  t.cancel(a, 1);  // the starter stays until finish
  EXPECT_EQ(t.finish(a), (std::vector<FetchTable::WaiterId>{1, 4}));
  EXPECT_FALSE(t.in_flight(a));
  EXPECT_EQ(t.request(a, 5), FetchTable::Decision::kStart);  // a retry starts anew
  EXPECT_TRUE(t.finish(Digest::of("never")).empty());
}

TEST(FetchTable, Bounded) {
  FetchTable t;
  for (std::size_t i = 0; i < FetchTable::kMaxInFlight; ++i) {
    ASSERT_EQ(t.request(Digest::of(std::to_string(i)), i), FetchTable::Decision::kStart);
  }
  EXPECT_EQ(t.request(Digest::of("one more"), 0), FetchTable::Decision::kBusy);
  EXPECT_EQ(t.request(Digest::of("0"), 99), FetchTable::Decision::kJoin);
}

// Law: every request is answered by exactly one finish, and exactly one requester per round
// fetches.
RC_GTEST_PROP(FetchTable, EachWaiterNotifiedOnce, (const std::vector<std::uint8_t>& script)) {
  FetchTable t;
  std::map<FetchTable::WaiterId, int> pending, notified;
  FetchTable::WaiterId next = 0;
  for (std::uint8_t op : script) {
    const Digest d = Digest::of(std::string(1, static_cast<char>(op % 4)));
    if (op & 0x80) {
      const auto ws = t.finish(d);
      for (auto w : ws) { ++notified[w]; pending.erase(w); }
    } else {
      const auto decision = t.request(d, next);
      RC_ASSERT(decision != FetchTable::Decision::kBusy);
      RC_ASSERT((decision == FetchTable::Decision::kStart) == !t.in_flight(d) ||
                decision == FetchTable::Decision::kStart);
      pending[next++] = 1;
    }
  }
  for (int i = 0; i < 4; ++i) {
    for (auto w : t.finish(Digest::of(std::string(1, static_cast<char>(i))))) { ++notified[w]; pending.erase(w); }
  }
  RC_ASSERT(pending.empty());
  for (const auto& [w, n] : notified) RC_ASSERT(n == 1);
  RC_ASSERT(notified.size() == next);
}

}  // namespace
}  // namespace shoal::image
