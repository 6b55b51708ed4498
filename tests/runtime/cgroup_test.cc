#include "runtime/cgroup.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/fs_util.h"

namespace shoal::runtime {
namespace {

CgroupLayout v2_layout() {
  CgroupLayout l;
  l.mode = CgroupMode::kV2;
  l.root = l.unified_dir = l.cpu_dir = l.memory_dir = l.pids_dir = "/cg";
  l.writable = true;
  return l;
}

CgroupLayout v1_layout() {
  CgroupLayout l;
  l.mode = CgroupMode::kV1;
  l.root = "/cg";
  l.cpu_dir = "/cg/cpu";
  l.memory_dir = "/cg/memory";
  l.pids_dir = "/cg/pids";
  l.writable = true;
  return l;
}

TEST(CgroupLimits, V2Writes) {
  auto w = limit_writes(v2_layout(), "shoal/t1", {1500, 64 << 20, 100}, false);
  EXPECT_EQ(w, (std::vector<CgroupWrite>{
                   {"/cg/shoal/t1/cpu.max", "150000 100000"},
                   {"/cg/shoal/t1/memory.max", "67108864"},
                   {"/cg/shoal/t1/memory.swap.max", "0"},
                   {"/cg/shoal/t1/pids.max", "100"},
               }));
}

TEST(CgroupLimits, V1WritesMemoryBeforeMemsw) {
  auto w = limit_writes(v1_layout(), "shoal/t1", {250, 32 << 20, 0}, true);
  EXPECT_EQ(w, (std::vector<CgroupWrite>{
                   {"/cg/cpu/shoal/t1/cpu.cfs_period_us", "100000"},
                   {"/cg/cpu/shoal/t1/cpu.cfs_quota_us", "25000"},
                   {"/cg/memory/shoal/t1/memory.limit_in_bytes", "33554432"},
                   {"/cg/memory/shoal/t1/memory.memsw.limit_in_bytes", "33554432"},
               }));
  EXPECT_EQ(limit_writes(v1_layout(), "x", {0, 1 << 20, 0}, false).size(), 1u);  // no memsw
}

TEST(CgroupLimits, ZeroMeansUnlimitedAndTinyCpuIsFloored) {
  EXPECT_TRUE(limit_writes(v1_layout(), "x", {0, 0, 0}, true).empty());
  auto w = limit_writes(v2_layout(), "x", {1, 0, 0}, false);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].value, "1000 100000");  // the kernel refuses quotas below 1 ms
  CgroupLayout no_mem = v1_layout();
  no_mem.memory_dir.clear();
  EXPECT_TRUE(limit_writes(no_mem, "x", {0, 1 << 20, 0}, true).empty());
}

TEST(CgroupOom, ParsesBothFormats) {
  EXPECT_EQ(parse_oom_kill_count("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n"), 3u);
  EXPECT_EQ(parse_oom_kill_count("low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\noom_group_kill 0\n"), 1u);
  EXPECT_EQ(parse_oom_kill_count(""), 0u);
  EXPECT_EQ(parse_oom_kill_count("garbage"), 0u);
}

TEST(TaskCgroup, AttachNamesOneDirPerHierarchy) {
  TaskCgroup v1 = TaskCgroup::attach(v1_layout(), "p", "t");
  EXPECT_EQ(v1.dirs(), (std::vector<std::string>{"/cg/cpu/p/t", "/cg/memory/p/t", "/cg/pids/p/t"}));
  EXPECT_EQ(v1.memory_dir(), "/cg/memory/p/t");
  TaskCgroup v2 = TaskCgroup::attach(v2_layout(), "p", "t");
  EXPECT_EQ(v2.dirs(), std::vector<std::string>{"/cg/p/t"});
  EXPECT_EQ(v2.procs_files(), std::vector<std::string>{"/cg/p/t/cgroup.procs"});
}

TEST(TaskCgroup, CreateFailsClearlyWithoutCgroups) {
  CgroupLayout none;
  auto cg = TaskCgroup::create(none, "p", "t", {});
  ASSERT_FALSE(cg.ok());
  EXPECT_NE(cg.message().find("not available"), std::string::npos);
}

// Real kernel: create, limit, join, kill, remove.
TEST(TaskCgroup, RealLifecycleOnThisHost) {
  CgroupLayout layout = probe_cgroup_layout();
  if (::geteuid() != 0 || !layout.enabled()) GTEST_SKIP() << "needs root and cgroups: " << layout.describe();
  const std::string parent = "shoal-test-cg-" + std::to_string(::getpid());
  auto cg = TaskCgroup::create(layout, parent, "t1", {500, 64 << 20, 50});
  ASSERT_TRUE(cg.ok()) << cg.message();
  if (!layout.memory_dir.empty()) {
    const char* file = layout.mode == CgroupMode::kV2 ? "memory.max" : "memory.limit_in_bytes";
    auto limit = read_file(cg->memory_dir() + "/" + file);
    ASSERT_TRUE(limit.ok());
    EXPECT_EQ(std::stoll(*limit), 64 << 20);
  }
  pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  ASSERT_TRUE(cg->add_process(child).ok());
  EXPECT_EQ(cg->pids(), std::vector<pid_t>{child});
  EXPECT_FALSE(cg->remove().ok());  // busy while a member lives
  EXPECT_GE(cg->kill_all(), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_TRUE(cg->remove().ok());
  EXPECT_FALSE(cg->exists());
  EXPECT_EQ(cg->oom_kills(), 0u);
  for (const auto& h : layout.hierarchies()) ::rmdir((h + "/" + parent).c_str());
}

}  // namespace
}  // namespace shoal::runtime
