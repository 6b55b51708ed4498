#include "runtime/task_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "runtime/fs_util.h"

namespace shoal::runtime {
namespace {

namespace fs = std::filesystem;

class TaskStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/shoal-store-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static TaskRecord record(const std::string& id, int pid) {
    TaskRecord r;
    r.spec.id = id;
    r.spec.command = {"/bin/true"};
    r.pid = pid;
    return r;
  }
  std::string dir_;
};

TEST_F(TaskStoreTest, SaveLoadRemove) {
  TaskStore store(dir_ + "/tasks");
  ASSERT_TRUE(store.init().ok());
  ASSERT_TRUE(store.save(record("b.1.1", 20)).ok());
  ASSERT_TRUE(store.save(record("a.1.1", 10)).ok());
  ASSERT_TRUE(store.save(record("a.1.1", 11)).ok());  // replaces
  auto loaded = store.load_all();
  EXPECT_TRUE(loaded.errors.empty());
  ASSERT_EQ(loaded.records.size(), 2u);
  EXPECT_EQ(loaded.records[0].spec.id, "a.1.1");  // sorted
  EXPECT_EQ(loaded.records[0].pid, 11);
  ASSERT_TRUE(store.remove("a.1.1").ok());
  ASSERT_TRUE(store.remove("a.1.1").ok());  // idempotent
  EXPECT_EQ(store.load_all().records.size(), 1u);
  // Atomic writes leave no temp files behind.
  auto names = list_dir(store.dir());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"b.1.1.task"});
}

TEST_F(TaskStoreTest, CorruptOrMisnamedFilesAreMovedAsideAndReported) {
  TaskStore store(dir_);
  ASSERT_TRUE(store.init().ok());
  ASSERT_TRUE(store.save(record("good.1.1", 5)).ok());
  std::ofstream(dir_ + "/bad.1.1.task") << "not msgpack at all";
  ASSERT_TRUE(write_file_atomic(dir_ + "/other.1.1.task", encode_task_record(record("x.1.1", 7))).ok());
  std::ofstream(dir_ + "/junk.task.tmp.123") << "interrupted write";
  auto loaded = store.load_all();
  ASSERT_EQ(loaded.records.size(), 1u);
  EXPECT_EQ(loaded.records[0].spec.id, "good.1.1");
  EXPECT_EQ(loaded.errors.size(), 2u);
  EXPECT_TRUE(path_exists(dir_ + "/bad.1.1.task.corrupt"));
  EXPECT_TRUE(path_exists(dir_ + "/other.1.1.task.corrupt"));
  EXPECT_TRUE(store.load_all().errors.empty());  // said once
}

TEST_F(TaskStoreTest, RefusesUnsafeIds) {
  TaskStore store(dir_);
  EXPECT_FALSE(store.save(record("../escape", 1)).ok());
  EXPECT_FALSE(store.remove("../escape").ok());
}

TEST_F(TaskStoreTest, MissingDirIsReportedNotFatal) {
  TaskStore store(dir_ + "/nope");
  auto loaded = store.load_all();
  EXPECT_TRUE(loaded.records.empty());
  EXPECT_EQ(loaded.errors.size(), 1u);
}

}  // namespace
}  // namespace shoal::runtime
