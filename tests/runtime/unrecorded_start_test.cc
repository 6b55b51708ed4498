// Issue 13: a task started on a full disk had no record, so a restarted agent killed it as an
// orphan instead of adopting it. The record is now written before the process starts; when it
// cannot be, the start is refused with the reason and nothing runs.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "runtime/fs_util.h"
#include "runtime_fixture.h"

namespace shoal::runtime {
namespace {

using testing::now_ms;
using S = TaskState;

// The record dir made unwritable: as root a 64 KiB tmpfs mounted over it and filled to ENOSPC
// (the real failure: root ignores permissions), otherwise a dir without write permission.
class UnwritableRecords {
 public:
  explicit UnwritableRecords(std::string dir) : dir_(std::move(dir)) {
    if (::geteuid() == 0) {
      mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=64k,mode=0700") == 0;
      EXPECT_TRUE(mounted_) << "mount tmpfs on " << dir_ << ": " << std::strerror(errno);
      const std::string filler = dir_ + "/filler";
      int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT, 0600);
      EXPECT_GE(fd, 0);
      char block[4096] = {};
      while (::write(fd, block, sizeof block) > 0) {
      }
      EXPECT_EQ(errno, ENOSPC);
      ::close(fd);
    } else {
      EXPECT_EQ(::chmod(dir_.c_str(), 0500), 0);
    }
  }
  // Space (or permission) back.
  void release() {
    if (mounted_) {
      ::unlink((dir_ + "/filler").c_str());
    } else {
      ::chmod(dir_.c_str(), 0700);
    }
  }
  ~UnwritableRecords() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    else ::chmod(dir_.c_str(), 0700);
  }

 private:
  std::string dir_;
  bool mounted_ = false;
};

class UnrecordedStartTest : public testing::RuntimeFixture {};

TEST_F(UnrecordedStartTest, NoRecordNoStartAndTheReasonIsTheStartError) {
  open_runtime();
  const std::string records = config_.state_dir + "/tasks";
  const std::string marker = dir_ + "/ran";
  UnwritableRecords full(records);
  auto s = rt_->start(spec("web.1.1", {"/bin/sh", "-c", "touch " + marker + "; exec sleep 100"}), now_ms());
  ASSERT_FALSE(s.ok()) << "started a task it could not record";
  EXPECT_NE(s.message().find("web.1.1 not started: cannot write its record before start"), std::string::npos)
      << s.message();
  EXPECT_FALSE(rt_->status("web.1.1").has_value());
  for (int i = 0; i < 10; ++i) {
    rt_->poll(now_ms());
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  EXPECT_FALSE(std::filesystem::exists(marker)) << "the process ran although its start was refused";

  // With room again the same start works, its record is there, and a restarted runtime
  // adopts the task instead of killing it.
  full.release();
  ASSERT_TRUE(rt_->start(spec("web.1.1", {"/bin/sh", "-c", "touch " + marker + "; exec sleep 100"}), now_ms()).ok());
  ASSERT_TRUE(wait_state("web.1.1", S::kHealthy));
  EXPECT_TRUE(std::filesystem::exists(records + "/web.1.1.task"));
  const int pid = rt_->status("web.1.1")->pid;
  rt_.reset();
  open_runtime();
  auto st = rt_->status("web.1.1");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->pid, pid) << "adopted, not restarted";
  ASSERT_TRUE(rt_->stop("web.1.1", 2000, now_ms()).ok());
  ::waitpid(pid, nullptr, 0);  // not the runtime's child any more: the test process reaps it
  ASSERT_TRUE(wait_state("web.1.1", S::kShutdown));
  for (const auto& t : rt_->list()) (void)rt_->forget(t.id, true);
  rt_.reset();  // before the tmpfs goes: TearDown has nothing left to write there
}

}  // namespace
}  // namespace shoal::runtime
