#include "runtime/cgroup_layout.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace shoal::runtime {
namespace {

namespace fs = std::filesystem;

// A fake cgroup root in a temp dir: plain files stand in for the kernel's control files.
class FakeRoot {
 public:
  FakeRoot() {
    char tmpl[] = "/tmp/shoal-cgroot-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  ~FakeRoot() { fs::remove_all(dir_); }
  void file(const std::string& rel, const std::string& content = "") {
    fs::create_directories(fs::path(dir_ + "/" + rel).parent_path());
    std::ofstream(dir_ + "/" + rel) << content;
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

TEST(CgroupLayout, PureV2) {
  FakeRoot r;
  r.file("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma\n");
  CgroupLayout l = probe_cgroup_layout(r.dir());
  EXPECT_EQ(l.mode, CgroupMode::kV2);
  EXPECT_EQ(l.unified_dir, r.dir());
  EXPECT_EQ(l.cpu_dir, r.dir());
  EXPECT_EQ(l.memory_dir, r.dir());
  EXPECT_EQ(l.pids_dir, r.dir());
  EXPECT_TRUE(l.missing.empty());
  EXPECT_EQ(l.hierarchies().size(), 1u);
}

TEST(CgroupLayout, V2WithoutSomeControllersReportsThem) {
  FakeRoot r;
  r.file("cgroup.controllers", "cpu io\n");  // "cpuset" must not count as "cpu" and vice versa
  CgroupLayout l = probe_cgroup_layout(r.dir());
  EXPECT_EQ(l.mode, CgroupMode::kV2);
  EXPECT_EQ(l.cpu_dir, r.dir());
  EXPECT_EQ(l.memory_dir, "");
  EXPECT_EQ(l.missing, (std::vector<std::string>{"memory", "pids"}));
  EXPECT_NE(l.describe().find("not enforced: memory pids"), std::string::npos) << l.describe();
}

TEST(CgroupLayout, HybridLikeThisMachine) {
  FakeRoot r;
  // Like the real root cgroups: cgroup.procs everywhere, but no pids.max at the pids root.
  r.file("cpu/cgroup.procs");
  r.file("cpu/cpu.cfs_quota_us", "-1\n");
  r.file("memory/cgroup.procs");
  r.file("pids/cgroup.procs");
  r.file("blkio/cgroup.procs");
  r.file("unified/cgroup.controllers", "");  // v2 mounted, no controllers
  CgroupLayout l = probe_cgroup_layout(r.dir());
  EXPECT_EQ(l.mode, CgroupMode::kV1);
  EXPECT_EQ(l.unified_dir, r.dir() + "/unified");
  EXPECT_EQ(l.cpu_dir, r.dir() + "/cpu");
  EXPECT_EQ(l.memory_dir, r.dir() + "/memory");
  EXPECT_EQ(l.pids_dir, r.dir() + "/pids");
  EXPECT_EQ(l.hierarchies().size(), 3u);
  EXPECT_EQ(l.all_hierarchies, (std::vector<std::string>{r.dir() + "/blkio", r.dir() + "/cpu", r.dir() + "/memory",
                                                          r.dir() + "/pids"}));
  EXPECT_NE(l.describe().find("v1 (hybrid)"), std::string::npos);
}

TEST(CgroupLayout, V1WithCombinedCpuMount) {
  FakeRoot r;
  r.file("cpu,cpuacct/cgroup.procs");
  r.file("memory/cgroup.procs");
  r.file("pids/README");  // a dir that is not a cgroup hierarchy
  CgroupLayout l = probe_cgroup_layout(r.dir());
  EXPECT_EQ(l.mode, CgroupMode::kV1);
  EXPECT_EQ(l.unified_dir, "");
  EXPECT_EQ(l.cpu_dir, r.dir() + "/cpu,cpuacct");
  EXPECT_EQ(l.pids_dir, "");
  EXPECT_EQ(l.missing, std::vector<std::string>{"pids"});
}

TEST(CgroupLayout, NothingMountedIsNone) {
  FakeRoot r;
  CgroupLayout l = probe_cgroup_layout(r.dir());
  EXPECT_EQ(l.mode, CgroupMode::kNone);
  EXPECT_FALSE(l.enabled());
  EXPECT_TRUE(l.hierarchies().empty());
  EXPECT_NE(l.describe().find("limits are off"), std::string::npos);
  EXPECT_EQ(probe_cgroup_layout("/nonexistent/dir").mode, CgroupMode::kNone);
}

TEST(CgroupLayout, ThisHostProbesWithoutCrashing) {
  CgroupLayout l = probe_cgroup_layout();
  EXPECT_FALSE(l.describe().empty());
}

}  // namespace
}  // namespace shoal::runtime
