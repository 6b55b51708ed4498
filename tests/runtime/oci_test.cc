// The oci driver against the real runc, with a tiny rootfs made from busybox-static.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "runtime/fs_util.h"
#include "runtime/oci_driver.h"
#include "runtime_fixture.h"

namespace shoal::runtime {
namespace {

namespace fs = std::filesystem;
using testing::now_ms;
using S = TaskState;

std::string busybox() {
  for (const char* p : {"/bin/busybox", "/usr/bin/busybox"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

class OciTest : public testing::RuntimeFixture {
 protected:
  void SetUp() override {
    RuntimeFixture::SetUp();
    if (!have_isolation_privileges()) GTEST_SKIP() << "the oci driver needs root";
    if (!find_oci_runtime("", probe_cgroup_layout()).ok()) GTEST_SKIP() << "no runc (apt-get install runc)";
    if (busybox().empty()) GTEST_SKIP() << "no busybox (apt-get install busybox-static)";
    rootfs_ = dir_ + "/rootfs";
    for (const char* d : {"bin", "proc", "dev", "sys", "tmp"}) fs::create_directories(rootfs_ + "/" + d);
    fs::copy_file(busybox(), rootfs_ + "/bin/busybox");
    for (const char* tool : {"sh", "echo", "sleep", "test", "touch", "cat", "head", "tail", "nc"})
      fs::create_symlink("busybox", rootfs_ + "/bin/" + tool);
    const char* hog = std::getenv("SHOAL_MEMHOG");
    if (hog != nullptr) fs::copy_file(hog, rootfs_ + "/bin/memhog");
    open_runtime();
  }

  TaskSpec oci(const std::string& id, std::vector<std::string> command) {
    TaskSpec s = spec(id, std::move(command));
    s.driver = DriverKind::kOci;
    s.rootfs = rootfs_;
    return s;
  }

  std::string rootfs_;
};

TEST_F(OciTest, RunsACommandInTheRootfsAndCapturesItsOutput) {
  ASSERT_TRUE(rt_->start(oci("hello.1.1", {"/bin/sh", "-c", "echo hello from $(cat /etc/hostname 2>/dev/null || hostname)"}), now_ms()).ok());
  ASSERT_TRUE(wait_state("hello.1.1", S::kShutdown)) << rt_->status("hello.1.1")->error;
  auto logs = rt_->logs("hello.1.1");
  auto out = read_file(logs->stdout_path);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "hello from hello.1.1\n");
  EXPECT_EQ(rt_->status("hello.1.1")->exit->exit_code, 0);
}

TEST_F(OciTest, HealthCheckThroughRuncExecThenStopCleansUp) {
  TaskSpec s = oci("web.1.1", {"/bin/sh", "-c", "sleep 0.2; touch /tmp/ready; exec sleep 100"});
  s.health.kind = HealthCheckSpec::Kind::kExec;
  s.health.command = {"test", "-f", "/tmp/ready"};
  s.health.interval_ms = 50;
  s.health.timeout_ms = 5000;
  s.health.retries = 1000;
  s.memory_bytes = 64 << 20;
  ASSERT_TRUE(rt_->start(s, now_ms()).ok());
  ASSERT_TRUE(wait_state("web.1.1", S::kHealthy)) << rt_->status("web.1.1")->error;
  EXPECT_EQ(states_of("web.1.1"), (std::vector<S>{S::kStarting, S::kRunning, S::kHealthy}));
  const CgroupLayout& l = rt_->cgroup_layout();
  const std::string cg = l.memory_dir + "/" + config_.cgroup_parent + "/web.1.1";
  EXPECT_TRUE(path_exists(cg));
  ASSERT_TRUE(rt_->stop("web.1.1", 300, now_ms()).ok());  // sh as pid 1 ignores TERM: escalates
  ASSERT_TRUE(wait_state("web.1.1", S::kShutdown));
  ASSERT_TRUE(wait_until([&] { return !path_exists(cg); }));
  ASSERT_TRUE(wait_until([&] { return !path_exists(config_.state_dir + "/oci-runtime/web.1.1"); }));
}

TEST_F(OciTest, MemoryLimitOomKillsTheContainer) {
  if (std::getenv("SHOAL_MEMHOG") == nullptr) GTEST_SKIP() << "SHOAL_MEMHOG not set";
  TaskSpec s = oci("hog.1.1", {"/bin/memhog", "256"});
  s.memory_bytes = 32 << 20;
  ASSERT_TRUE(rt_->start(s, now_ms()).ok());
  ASSERT_TRUE(wait_state("hog.1.1", S::kFailed));
  auto st = *rt_->status("hog.1.1");
  EXPECT_EQ(st.exit->signal, SIGKILL) << st.error;
  EXPECT_TRUE(st.exit->oom_killed) << st.error;
}

}  // namespace
}  // namespace shoal::runtime
