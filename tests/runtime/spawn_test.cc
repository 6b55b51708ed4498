#include "runtime/spawn.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "runtime/fs_util.h"
#include "runtime/process_driver.h"

namespace shoal::runtime {
namespace {

namespace fs = std::filesystem;

class SpawnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/shoal-spawn-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static int wait_exit(pid_t pid) {
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string out() { return dir_ + "/out.log"; }
  std::string read_out() {
    auto text = read_file(out());
    return text ? *text : "";
  }
  std::string dir_;
};

TEST_F(SpawnTest, ResolvesCommandsInPath) {
  auto sh = resolve_command("sh", {});
  ASSERT_TRUE(sh.ok()) << sh.message();
  EXPECT_EQ(sh->front(), '/');
  EXPECT_EQ(*resolve_command("/x/y", {}), "/x/y");
  auto missing = resolve_command("no-such-command-xyz", {"PATH=/nonexistent"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("not found in PATH=/nonexistent"), std::string::npos);
}

TEST_F(SpawnTest, RunsWithOnlyTheGivenEnvAndAppendsStdout) {
  SpawnRequest r;
  r.argv = {"/bin/sh", "-c", "echo \"$FOO:$HOME\"; echo err >&2; exit 3"};
  r.env = {"FOO=bar"};
  r.stdout_path = out();
  auto s = spawn_process(r);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_GT(s->start_time, 0u);
  EXPECT_EQ(wait_exit(s->pid), 3);
  auto again = spawn_process(r);
  ASSERT_TRUE(again.ok());
  wait_exit(again->pid);
  EXPECT_EQ(read_out(), "bar:\nbar:\n");  // appended, HOME not leaked from the agent
}

TEST_F(SpawnTest, ExecFailureIsAnErrorWithTheReason) {
  SpawnRequest r;
  r.argv = {dir_};  // a directory: exec fails with EACCES
  auto s = spawn_process(r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot exec"), std::string::npos) << s.message();
  r.argv = {"no-such-command-xyz"};
  EXPECT_FALSE(spawn_process(r).ok());
  r.argv = {"/bin/true"};
  r.stdout_path = dir_ + "/missing-dir/out.log";
  auto s2 = spawn_process(r);
  ASSERT_FALSE(s2.ok());
  EXPECT_NE(s2.message().find("log file"), std::string::npos);
}

TEST_F(SpawnTest, DoesNotLeakDescriptorsIntoTheChild) {
  int leak = ::open("/dev/null", O_RDONLY);  // not close-on-exec on purpose
  ASSERT_GE(leak, 3);
  SpawnRequest r;
  r.argv = {"/bin/sh", "-c", "ls /proc/self/fd | wc -l"};
  r.stdout_path = out();
  auto s = spawn_process(r);
  ::close(leak);
  ASSERT_TRUE(s.ok());
  wait_exit(s->pid);
  // 0, 1, 2 and the fd ls opens on /proc/self/fd.
  EXPECT_EQ(std::stoi(read_out()), 4);
}

TEST_F(SpawnTest, TcpProbeConnectsOrFails) {
  SpawnRequest r;
  r.tcp_connect_port = 1;  // nothing listens on port 1 here
  auto s = spawn_process(r);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(wait_exit(s->pid), 1);
}

TEST_F(SpawnTest, ResolvConfIsBindMountedOnlyInsideTheTask) {
  if (!have_isolation_privileges()) GTEST_SKIP() << "namespaces need root";
  std::string resolv = dir_ + "/resolv.conf";
  ASSERT_TRUE(write_file_atomic(resolv, "nameserver 10.200.7.1\nsearch shoal\n").ok());
  auto host_before = read_file("/etc/resolv.conf");
  SpawnRequest r;
  r.argv = {"/bin/cat", "/etc/resolv.conf"};
  r.env = {"PATH=/usr/bin:/bin"};
  r.stdout_path = out();
  r.new_namespaces = true;
  r.resolv_conf = resolv;
  auto s = spawn_process(r);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(wait_exit(s->pid), 0);
  EXPECT_EQ(read_out(), "nameserver 10.200.7.1\nsearch shoal\n");
  EXPECT_EQ(read_file("/etc/resolv.conf").ok(), host_before.ok());  // the host's file untouched
  if (host_before.ok()) {
    EXPECT_EQ(*read_file("/etc/resolv.conf"), *host_before);
  }
}

TEST(ProcessSpawnRequest, ResolvConfOnlyWithNamespaces) {
  TaskSpec spec;
  spec.command = {"true"};
  spec.resolv_conf = "/run/x/resolv.conf";
  ProcessLaunch launch;
  launch.namespaces = true;
  EXPECT_EQ(process_spawn_request(spec, launch).resolv_conf, "/run/x/resolv.conf");
  launch.namespaces = false;
  EXPECT_EQ(process_spawn_request(spec, launch).resolv_conf, "");
}

TEST_F(SpawnTest, NamespacesGiveAPid1InitHostnameAndPrivateProc) {
  if (!have_isolation_privileges()) GTEST_SKIP() << "namespaces need root";
  SpawnRequest r;
  r.argv = {"/bin/sh", "-c", "echo $$ $(hostname) $(ls /proc | grep -c '^[0-9]')"};
  r.env = {"PATH=/usr/bin:/bin"};
  r.stdout_path = out();
  r.new_namespaces = true;
  r.hostname = "task-host";
  auto s = spawn_process(r);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(wait_exit(s->pid), 0);
  // The shell is pid 2 (our init is 1); /proc shows only the new namespace's few processes.
  std::string text = read_out();
  EXPECT_EQ(text.substr(0, text.find(' ')), "2") << text;
  EXPECT_NE(text.find("task-host"), std::string::npos) << text;
  EXPECT_LT(std::stoi(text.substr(text.rfind(' '))), 10) << text;
}

TEST_F(SpawnTest, InitForwardsSigtermAndReportsDeathBySignal) {
  if (!have_isolation_privileges()) GTEST_SKIP() << "namespaces need root";
  SpawnRequest r;
  r.argv = {"/bin/sleep", "100"};
  r.new_namespaces = true;
  auto s = spawn_process(r);
  ASSERT_TRUE(s.ok()) << s.message();
  ::kill(s->pid, SIGTERM);
  EXPECT_EQ(wait_exit(s->pid), 128 + SIGTERM);
}

TEST_F(SpawnTest, ProbeRequestsJoinTheTaskNamespaces) {
  TaskSpec spec;
  spec.id = "t";
  spec.command = {"x"};
  spec.health.kind = HealthCheckSpec::Kind::kTcp;
  spec.health.tcp_port = 80;
  auto tcp = process_probe_request(spec, 77, true);
  EXPECT_EQ(tcp.tcp_connect_port, 80);
  EXPECT_EQ(tcp.join_namespaces_of, 77);
  spec.health.kind = HealthCheckSpec::Kind::kExec;
  spec.health.command = {"true"};
  spec.network_namespace = "/run/netns/n";
  auto exec = process_probe_request(spec, 77, false);
  EXPECT_EQ(exec.argv, std::vector<std::string>{"true"});
  EXPECT_EQ(exec.join_namespaces_of, 0);
  EXPECT_EQ(exec.network_namespace, "/run/netns/n");
}

}  // namespace
}  // namespace shoal::runtime
