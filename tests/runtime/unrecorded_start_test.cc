// Issue 13: a task started on a full disk had no record, so a restarted agent killed it as an
// orphan instead of adopting it. The record is now written before the process starts; when it
// cannot be, the start is refused with the reason and nothing runs.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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
  // One page back: room for one record file, not for the temp file that replaces it.
  void free_one_page() {
    ASSERT_TRUE(mounted_);
    const std::string filler = dir_ + "/filler";
    ASSERT_EQ(::truncate(filler.c_str(), static_cast<off_t>(std::filesystem::file_size(filler)) - 4096), 0);
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


// Processes on the host whose command line contains `token`.
int processes_with(const std::string& token) {
  int n = 0;
  auto pids = list_dir("/proc");
  if (!pids) return -1;
  for (const auto& pid : *pids) {
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    auto cmd = read_file("/proc/" + pid + "/cmdline", 4096);
    if (!cmd) continue;
    std::replace(cmd->begin(), cmd->end(), '\0', ' ');
    if (cmd->find(token) != std::string::npos) ++n;
  }
  return n;
}

// The disk fills between the record written before the start and the one with the pid: the
// process that did start is killed, not left running without a usable record.
TEST_F(UnrecordedStartTest, RecordThatCannotBeCompletedKillsTheStartedProcess) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs of exact size";
  open_runtime();
  const std::string records = config_.state_dir + "/tasks";
  UnwritableRecords full(records);
  full.free_one_page();
  const std::string token = "unrecorded-" + std::to_string(::getpid());
  auto s = rt_->start(spec("web.1.1", {"/bin/sh", "-c", "sleep 100; echo " + token}), now_ms());
  ASSERT_FALSE(s.ok()) << "a task without a complete record kept running";
  EXPECT_NE(s.message().find("cannot write its record after start"), std::string::npos) << s.message();
  EXPECT_FALSE(rt_->status("web.1.1").has_value());
  EXPECT_FALSE(std::filesystem::exists(records + "/web.1.1.task")) << "the pid-less record was left";
  ASSERT_TRUE(wait_until([&] {
    rt_->poll(now_ms());  // reaps the killed process, removes its cgroup once empty
    return processes_with(token) == 0 && rt_->next_deadline_ms() == kNever;
  })) << "the started process is still running, or its cgroup was never removed";
  rt_.reset();
}

}  // namespace
}  // namespace shoal::runtime
