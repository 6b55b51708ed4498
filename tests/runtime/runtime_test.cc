#include "runtime/runtime.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <thread>
#include <utility>

#include "runtime/fs_util.h"
#include "runtime/log_record.h"
#include "runtime/log_rotation.h"
#include "runtime/spawn.h"
#include "runtime_fixture.h"

namespace shoal::runtime {
namespace {

using testing::now_ms;
using testing::RuntimeFixture;
using S = TaskState;

std::string memhog() {
  const char* p = std::getenv("SHOAL_MEMHOG");
  return p ? p : "";
}

std::string file_text(const std::string& path) {
  auto t = read_file(path);
  return t ? *t : "";
}

// A TCP port that was free a moment ago.
std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Every open descriptor of every process on the host that points at `path`.
int open_handles_to(const std::string& path) {
  int count = 0;
  auto pids = list_dir("/proc");
  if (!pids) return -1;
  for (const auto& pid : *pids) {
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    auto fds = list_dir("/proc/" + pid + "/fd");
    if (!fds) continue;
    for (const auto& fd : *fds) {
      char target[4096];
      ssize_t n = ::readlink(("/proc/" + pid + "/fd/" + fd).c_str(), target, sizeof target - 1);
      if (n > 0 && std::string(target, static_cast<std::size_t>(n)) == path) ++count;
    }
  }
  return count;
}

class RuntimeTest : public RuntimeFixture {};

TEST_F(RuntimeTest, RunsToHealthyCapturesLogsAndStopsWithSigterm) {
  open_runtime();
  ASSERT_TRUE(rt_->start(spec("web.1.1", {"/bin/sh", "-c", "echo hello; echo oops >&2; exec sleep 100"}), now_ms()).ok());
  ASSERT_TRUE(wait_state("web.1.1", S::kHealthy));
  auto logs = rt_->logs("web.1.1");
  ASSERT_TRUE(logs.ok());
  ASSERT_TRUE(wait_until([&] { return file_text(logs->stdout_path) == "hello\n"; }));
  ASSERT_TRUE(wait_until([&] { return file_text(logs->stderr_path) == "oops\n"; }));
  const int pid = rt_->status("web.1.1")->pid;
  EXPECT_GT(pid, 0);
  ASSERT_TRUE(rt_->stop("web.1.1", 5000, now_ms()).ok());
  ASSERT_TRUE(wait_state("web.1.1", S::kShutdown));
  auto st = *rt_->status("web.1.1");
  ASSERT_TRUE(st.exit.has_value());
  EXPECT_EQ(st.exit->signal, SIGTERM);  // stopped by SIGTERM, not escalated
  EXPECT_EQ(states_of("web.1.1"), (std::vector<S>{S::kStarting, S::kRunning, S::kHealthy, S::kShutdown}));
  EXPECT_NE(::kill(pid, 0), 0);
}

TEST_F(RuntimeTest, ExitIsReportedAsFailureWithTheCode) {
  open_runtime();
  ASSERT_TRUE(rt_->start(spec("job.1.1", {"/bin/sh", "-c", "exit 3"}), now_ms()).ok());
  ASSERT_TRUE(wait_state("job.1.1", S::kFailed));
  auto st = *rt_->status("job.1.1");
  EXPECT_EQ(st.exit->exit_code, 3);
  EXPECT_NE(st.error.find("exit 3"), std::string::npos) << st.error;
  // A successful exit with condition none is a shutdown, not a failure.
  ASSERT_TRUE(rt_->start(spec("job.1.1", {"/bin/true"}), now_ms()).ok());  // replaces the old one
  ASSERT_TRUE(wait_state("job.1.1", S::kShutdown));
}

TEST_F(RuntimeTest, StartErrorsAreClear) {
  open_runtime();
  auto missing = rt_->start(spec("a.1.1", {"no-such-binary-xyz"}), now_ms());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("not found"), std::string::npos) << missing.message();
  EXPECT_FALSE(rt_->status("a.1.1").has_value());
  EXPECT_FALSE(rt_->start(spec("bad id", {"/bin/true"}), now_ms()).ok());
  ASSERT_TRUE(rt_->start(spec("a.1.1", {"/bin/sleep", "100"}), now_ms()).ok());
  auto dup = rt_->start(spec("a.1.1", {"/bin/sleep", "100"}), now_ms());
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.message().find("already running"), std::string::npos);
  EXPECT_FALSE(rt_->stop("nope", 0, now_ms()).ok());
  EXPECT_FALSE(rt_->forget("a.1.1", true).ok());  // still running
}

TEST_F(RuntimeTest, StopEscalatesToSigkillAfterGrace) {
  open_runtime();
  // The task says when its trap is set: a SIGTERM before that would kill it (seen in CI-like runs).
  const std::string ready = dir_ + "/stub-ready";
  ASSERT_TRUE(rt_->start(spec("stub.1.1", {"/bin/sh", "-c", "trap '' TERM; : > " + ready + "; while :; do sleep 0.05; done"}),
                         now_ms()).ok());
  ASSERT_TRUE(wait_state("stub.1.1", S::kHealthy));
  ASSERT_TRUE(wait_until([&] { return path_exists(ready); }));
  ASSERT_TRUE(rt_->stop("stub.1.1", 100, now_ms()).ok());
  ASSERT_TRUE(rt_->stop("stub.1.1", 100, now_ms()).ok());  // idempotent
  EXPECT_LT(rt_->next_deadline_ms(), kNever);
  ASSERT_TRUE(wait_state("stub.1.1", S::kShutdown));
  EXPECT_EQ(rt_->status("stub.1.1")->exit->signal, SIGKILL);
}

TEST_F(RuntimeTest, MemoryLimitOomKillsTheTask) {
  open_runtime();
  if (!isolated()) GTEST_SKIP() << "needs root and cgroups";
  ASSERT_FALSE(memhog().empty());
  TaskSpec s = spec("hog.1.1", {memhog(), "256"});
  s.memory_bytes = 32 << 20;
  ASSERT_TRUE(rt_->start(s, now_ms()).ok());
  ASSERT_TRUE(wait_state("hog.1.1", S::kFailed));
  auto st = *rt_->status("hog.1.1");
  EXPECT_TRUE(st.exit->oom_killed);
  EXPECT_NE(st.error.find("OOM"), std::string::npos) << st.error;
  // Control: the same program under a limit it fits in exits 0.
  TaskSpec fits = spec("hog.2.1", {memhog(), "8"});
  fits.memory_bytes = 64 << 20;
  ASSERT_TRUE(rt_->start(fits, now_ms()).ok());
  ASSERT_TRUE(wait_state("hog.2.1", S::kShutdown));
  EXPECT_FALSE(rt_->status("hog.2.1")->exit->oom_killed);
  EXPECT_EQ(rt_->counters().oom_kills, 1u);  // the hog, not the control
  EXPECT_EQ(rt_->counters().starts, 2u);
}

TEST_F(RuntimeTest, CpuAndPidsLimitsReachTheCgroup) {
  open_runtime();
  if (!isolated()) GTEST_SKIP() << "needs root and cgroups";
  TaskSpec s = spec("cpu.1.1", {"/bin/sleep", "100"});
  s.cpu_millis = 250;
  s.pids_max = 10;
  ASSERT_TRUE(rt_->start(s, now_ms()).ok());
  const CgroupLayout& l = rt_->cgroup_layout();
  const std::string name = config_.cgroup_parent + "/cpu.1.1";
  if (l.mode == CgroupMode::kV2) {
    EXPECT_EQ(file_text(l.cpu_dir + "/" + name + "/cpu.max"), "25000 100000\n");
  } else {
    EXPECT_EQ(file_text(l.cpu_dir + "/" + name + "/cpu.cfs_quota_us"), "25000\n");
  }
  EXPECT_EQ(file_text(l.pids_dir + "/" + name + "/pids.max"), "10\n");
  // The task's process is in the cgroup (joined before exec).
  const std::string procs = file_text(l.pids_dir + "/" + name + "/cgroup.procs");
  EXPECT_NE(procs.find(std::to_string(rt_->status("cpu.1.1")->pid)), std::string::npos) << procs;
}

TEST_F(RuntimeTest, ExecHealthCheckGatesHealthy) {
  open_runtime();
  const std::string ready = dir_ + "/ready";
  TaskSpec s = spec("api.1.1", {"/bin/sh", "-c", "sleep 0.3; touch " + ready + "; exec sleep 100"});
  s.health.kind = HealthCheckSpec::Kind::kExec;
  s.health.command = {"test", "-f", ready};
  s.health.interval_ms = 30;
  s.health.timeout_ms = 2000;
  s.health.retries = 1000;
  ASSERT_TRUE(rt_->start(s, now_ms()).ok());
  ASSERT_TRUE(wait_until([&] { return rt_->status("api.1.1")->state != S::kRunning || path_exists(ready); }));
  ASSERT_TRUE(wait_state("api.1.1", S::kHealthy));
  EXPECT_TRUE(path_exists(ready));  // healthy only once the check could pass
  EXPECT_EQ(states_of("api.1.1"), (std::vector<S>{S::kStarting, S::kRunning, S::kHealthy}));
}

TEST_F(RuntimeTest, TcpHealthCheckInAFreshNetworkNamespace) {
  open_runtime();
  if (!isolated()) GTEST_SKIP() << "needs root (network namespace)";
  const std::uint16_t port = free_port();
  TaskSpec s = spec("tcp.1.1", {"python3", "-c",
                                "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1'," +
                                    std::to_string(port) + "))\ns.listen()\ntime.sleep(100)"});
  s.network_namespace = "new";
  s.health.kind = HealthCheckSpec::Kind::kTcp;
  s.health.tcp_port = port;
  s.health.interval_ms = 30;
  s.health.retries = 1000;
  ASSERT_TRUE(rt_->start(s, now_ms()).ok());
  ASSERT_TRUE(wait_state("tcp.1.1", S::kHealthy));
  // The listener is in the task's namespace only: from the host the port is closed.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_NE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::close(fd);
}

TEST_F(RuntimeTest, FailingHealthCheckStopsAndRestartsThenGivesUp) {
  open_runtime();
  TaskSpec s = spec("sick.1.1", {"/bin/sleep", "100"});
  s.health.kind = HealthCheckSpec::Kind::kExec;
  s.health.command = {"false"};
  s.health.interval_ms = 20;
  s.health.retries = 2;
  s.restart.condition = RestartPolicySpec::Condition::kOnFailure;
  s.restart.delay_ms = 10;
  s.restart.max_attempts = 1;
  ASSERT_TRUE(rt_->start(s, now_ms()).ok());
  ASSERT_TRUE(wait_until([&] {
    auto st = rt_->status("sick.1.1");
    return st->state == S::kFailed && st->error.find("gave up") != std::string::npos;
  }));
  auto st = *rt_->status("sick.1.1");
  EXPECT_EQ(st.restarts, 1u);
  EXPECT_NE(st.error.find("health check failed 2 times"), std::string::npos) << st.error;
  EXPECT_EQ(states_of("sick.1.1"), (std::vector<S>{S::kStarting, S::kRunning, S::kFailed, S::kStarting,
                                                  S::kRunning, S::kFailed}));
  // Metrics: two runs declared unhealthy, one start by the policy, two starts in all.
  EXPECT_EQ(rt_->counters().health_check_failures, 2u);
  EXPECT_EQ(rt_->counters().restarts, 1u);
  EXPECT_EQ(rt_->counters().starts, 2u);
  EXPECT_EQ(rt_->counters().oom_kills, 0u);
}

TEST_F(RuntimeTest, RestartPolicyRestartsWithBackoffUpToMaxAttempts) {
  open_runtime();
  TaskSpec s = spec("crash.1.1", {"/bin/sh", "-c", "echo run >> " + dir_ + "/runs; exit 1"});
  s.restart.condition = RestartPolicySpec::Condition::kAny;
  s.restart.delay_ms = 10;
  s.restart.max_delay_ms = 40;
  s.restart.max_attempts = 3;
  ASSERT_TRUE(rt_->start(s, now_ms()).ok());
  ASSERT_TRUE(wait_until([&] { return rt_->status("crash.1.1")->error.find("gave up") != std::string::npos; }));
  EXPECT_EQ(rt_->status("crash.1.1")->restarts, 3u);
  EXPECT_EQ(file_text(dir_ + "/runs"), "run\nrun\nrun\nrun\n");
  EXPECT_EQ(rt_->counters().starts, 4u);
  EXPECT_EQ(rt_->counters().restarts, 3u);
  EXPECT_EQ(rt_->counters().health_check_failures, 0u);
}

// `finished` is what tells the agent's reconcile not to start a slot again: set for an exit the
// policy keeps down, not for one it will restart, nor for a stop someone asked for.
TEST_F(RuntimeTest, FinishedMarksExitsThePolicyKeepsDown) {
  open_runtime();
  TaskSpec ok = spec("ok.1.1", {"/bin/true"});
  ok.restart.condition = RestartPolicySpec::Condition::kOnFailure;
  ASSERT_TRUE(rt_->start(ok, now_ms()).ok());
  ASSERT_TRUE(wait_state("ok.1.1", S::kShutdown));
  EXPECT_TRUE(rt_->status("ok.1.1")->finished);
  TaskSpec again = spec("again.1.1", {"/bin/false"});
  again.restart.condition = RestartPolicySpec::Condition::kOnFailure;
  again.restart.delay_ms = again.restart.max_delay_ms = 60'000;
  ASSERT_TRUE(rt_->start(again, now_ms()).ok());
  ASSERT_TRUE(wait_state("again.1.1", S::kFailed));
  EXPECT_FALSE(rt_->status("again.1.1")->finished);  // a restart is pending
  TaskSpec stopped = spec("stopped.1.1", {"sleep", "1000"});
  ASSERT_TRUE(rt_->start(stopped, now_ms()).ok());
  ASSERT_TRUE(rt_->stop("stopped.1.1", 0, now_ms()).ok());
  ASSERT_TRUE(wait_state("stopped.1.1", S::kShutdown));
  EXPECT_FALSE(rt_->status("stopped.1.1")->finished);
}

// A chatty task's stdout is rotated while it runs: the files stay near the cap.
TEST_F(RuntimeTest, ChattyTaskLogsAreRotated) {
  config_.log_limits = LogLimits{64 << 10, 2};
  open_runtime();
  ASSERT_TRUE(rt_->start(spec("chatty.1.1", {"/bin/sh", "-c", "i=0; while [ $i -lt 20000 ]; do echo line $i; i=$((i+1)); done; sleep 1000"}),
                         now_ms()).ok());
  const std::string out = dir_ + "/logs/chatty.1.1.stdout.log";
  ASSERT_TRUE(wait_until([&] { return file_text(out + ".1").find("line 19999\n") != std::string::npos ||
                                      file_text(out).find("line 19999\n") != std::string::npos; }));
  EXPECT_TRUE(std::filesystem::exists(out + ".1"));
  EXPECT_LE(std::filesystem::file_size(out + ".1"), 64u << 10);
  EXPECT_FALSE(std::filesystem::exists(out + ".2"));
}

TEST_F(RuntimeTest, StopCancelsAPendingRestart) {
  open_runtime();
  TaskSpec s = spec("r.1.1", {"/bin/false"});
  s.restart.condition = RestartPolicySpec::Condition::kAny;
  s.restart.delay_ms = 60'000;
  s.restart.max_delay_ms = 60'000;
  ASSERT_TRUE(rt_->start(s, now_ms()).ok());
  ASSERT_TRUE(wait_state("r.1.1", S::kFailed));
  EXPECT_LT(rt_->next_deadline_ms(), kNever);
  ASSERT_TRUE(rt_->stop("r.1.1", 0, now_ms()).ok());
  EXPECT_EQ(rt_->status("r.1.1")->state, S::kShutdown);
  EXPECT_EQ(rt_->next_deadline_ms(), kNever);
}

TEST_F(RuntimeTest, RestartedAgentAdoptsHealthyTasksWithoutRestartingThem) {
  open_runtime();
  ASSERT_TRUE(rt_->start(spec("keep.1.1", {"/bin/sleep", "100"}), now_ms()).ok());
  ASSERT_TRUE(wait_state("keep.1.1", S::kHealthy));
  const int pid = rt_->status("keep.1.1")->pid;
  rt_.reset();  // the agent goes away; the task stays
  ASSERT_EQ(::kill(pid, 0), 0);
  open_runtime();
  auto st = rt_->status("keep.1.1");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->state, S::kHealthy);
  EXPECT_EQ(st->pid, pid);  // same process: not restarted
  bool said = false;
  for (const auto& n : rt_->notices()) said = said || n.find("adopted running task keep.1.1") != std::string::npos;
  EXPECT_TRUE(said);
  ASSERT_TRUE(rt_->stop("keep.1.1", 2000, now_ms()).ok());
  // Not our child any more: the test process (its real parent) reaps it.
  ::waitpid(pid, nullptr, 0);
  ASSERT_TRUE(wait_state("keep.1.1", S::kShutdown));
  EXPECT_FALSE(rt_->status("keep.1.1")->exit->known);
}

TEST_F(RuntimeTest, TaskThatDiedWhileAgentWasDownIsReportedFailed) {
  open_runtime();
  ASSERT_TRUE(rt_->start(spec("gone.1.1", {"/bin/sleep", "100"}), now_ms()).ok());
  const int pid = rt_->status("gone.1.1")->pid;
  rt_.reset();
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  open_runtime();
  auto st = rt_->status("gone.1.1");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->state, S::kFailed);
  EXPECT_NE(st->error.find("agent was not running"), std::string::npos);
  auto changes = rt_->poll(now_ms());
  ASSERT_FALSE(changes.empty());  // reported to the agent on its first poll
  EXPECT_EQ(changes[0].id, "gone.1.1");
}

TEST_F(RuntimeTest, OrphanCgroupsAreKilledAndRemovedAtOpen) {
  CgroupLayout layout = probe_cgroup_layout(config_.cgroup_root);
  if (!have_isolation_privileges() || !layout.enabled()) GTEST_SKIP() << "needs root and cgroups";
  rt_layout_ = layout;
  auto cg = TaskCgroup::create(layout, config_.cgroup_parent, "lost.1.1", {});
  ASSERT_TRUE(cg.ok()) << cg.message();
  pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  ASSERT_TRUE(cg->add_process(child).ok());
  open_runtime();
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  ASSERT_TRUE(wait_until([&] { return !cg->exists(); }));
  bool said = false;
  for (const auto& n : rt_->notices()) said = said || n.find("orphan cgroup lost.1.1") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST_F(RuntimeTest, ServiceRmLeavesNoProcessCgroupOrLogHandle) {
  open_runtime();
  std::vector<std::string> ids = {"svc.1.1", "svc.2.1", "svc.3.1"};
  std::vector<int> pids;
  for (const auto& id : ids) {
    // A child process too: it must die with the task.
    ASSERT_TRUE(rt_->start(spec(id, {"/bin/sh", "-c", "sleep 100 & echo up; wait"}), now_ms()).ok());
  }
  for (const auto& id : ids) {
    ASSERT_TRUE(wait_state(id, S::kHealthy));
    pids.push_back(rt_->status(id)->pid);
  }
  std::vector<LogPaths> logs;
  for (const auto& id : ids) logs.push_back(*rt_->logs(id));
  ASSERT_TRUE(wait_until([&] { return file_text(logs[0].stdout_path) == "up\n"; }));
  for (const auto& id : ids) ASSERT_TRUE(rt_->stop(id, 200, now_ms()).ok());
  for (const auto& id : ids) ASSERT_TRUE(wait_state(id, S::kShutdown));
  for (const auto& id : ids) ASSERT_TRUE(rt_->forget(id, false).ok());
  EXPECT_TRUE(rt_->list().empty());
  for (int pid : pids) EXPECT_NE(::kill(pid, 0), 0) << pid;
  for (const auto& l : logs) {
    EXPECT_EQ(open_handles_to(l.stdout_path), 0) << l.stdout_path;
    EXPECT_EQ(open_handles_to(l.stderr_path), 0) << l.stderr_path;
  }
  if (isolated()) {
    for (const auto& h : rt_->cgroup_layout().hierarchies()) {
      auto left = list_subdirs(h + "/" + config_.cgroup_parent);
      ASSERT_TRUE(left.ok());
      EXPECT_TRUE(left->empty()) << h;
    }
  }
  // No record left: a restarted agent adopts nothing.
  auto records = list_dir(config_.state_dir + "/tasks");
  ASSERT_TRUE(records.ok());
  EXPECT_TRUE(records->empty());
  // No `sleep 100` left anywhere from these tasks: every process in their sessions is gone.
  // (Without namespaces the killed orphans are reaped by the host's init: give it a moment.)
  for (int pid : pids) EXPECT_TRUE(wait_until([&] { return ::kill(-pid, 0) != 0; })) << "process group " << pid;
}

TEST_F(RuntimeTest, RequiredIsolationWithoutCgroupsIsAnError) {
  config_.cgroup_root = dir_ + "/no-cgroups";
  config_.require_isolation = true;
  auto rt = Runtime::open(config_, now_ms());
  ASSERT_FALSE(rt.ok());
  EXPECT_NE(rt.message().find("isolation is required"), std::string::npos) << rt.message();
  config_.require_isolation = false;
  open_runtime();
  ASSERT_FALSE(rt_->isolation());
  ASSERT_FALSE(rt_->notices().empty());
  EXPECT_NE(rt_->notices()[0].find("WITHOUT namespaces or cgroup limits"), std::string::npos);
  // Tasks still run, as plain processes.
  ASSERT_TRUE(rt_->start(spec("plain.1.1", {"/bin/true"}), now_ms()).ok());
  ASSERT_TRUE(wait_state("plain.1.1", S::kShutdown));
}

TEST_F(RuntimeTest, NextDeadlineIsNeverWhenIdle) {
  open_runtime();
  EXPECT_EQ(rt_->next_deadline_ms(), kNever);
  EXPECT_TRUE(rt_->poll(now_ms()).empty());
}

// With a log pump (the shoal binary, as the agent runs it): every line of a task that writes
// far past a small cap is kept, in order, as a timestamped record; no generation passes the
// cap; the pump is gone with the task.
TEST_F(RuntimeTest, LogPumpTimestampsAndRotatesWithoutLosingALine) {
  const char* shoal = std::getenv("SHOAL_BIN");
  ASSERT_NE(shoal, nullptr) << "SHOAL_BIN names the shoal binary (set by meson)";
  config_.log_pump = shoal;
  config_.log_limits = {8192, 40};
  open_runtime();
  // 4,000 numbered lines (~160 KiB of records) through 8 KiB generations: ~20 rotations.
  ASSERT_TRUE(rt_->start(spec("chat.1.1", {"/bin/sh", "-c", "seq 1 4000; echo bye >&2"}), now_ms()).ok());
  ASSERT_TRUE(wait_state("chat.1.1", S::kShutdown));
  auto logs = rt_->logs("chat.1.1");
  ASSERT_TRUE(logs.ok());
  auto read_all = [&](const std::string& path) {
    std::string text;
    auto gens = log_generations(path, config_.log_limits.max_files);
    for (auto it = gens.rbegin(); it != gens.rend(); ++it) {
      const std::string g = file_text(*it);
      EXPECT_LE(g.size(), config_.log_limits.max_bytes) << *it;
      text += g;
    }
    return text;
  };
  // The pump writes its last records after the task exits, and a rotation between reading two
  // generations would show a gap that is not in the files: wait until two reads 50 ms apart
  // agree and hold the last line.
  std::string out, before;
  ASSERT_TRUE(wait_until([&] {
    before = std::exchange(out, read_all(logs->stdout_path));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return out == before && out.find(" 4000\n") != std::string::npos;
  }));
  std::size_t start = 0;
  int expect = 1;
  std::string last_time;
  while (start < out.size()) {
    const std::size_t nl = out.find('\n', start);
    LogRecord r = parse_log_record(std::string_view(out).substr(start, nl - start));
    ASSERT_FALSE(r.time.empty()) << out.substr(start, 80);
    EXPECT_GE(r.time, last_time);
    EXPECT_EQ(r.stream, "stdout");
    ASSERT_EQ(r.content, std::to_string(expect)) << "line lost or out of order";
    last_time = std::string(r.time);
    ++expect;
    start = nl + 1;
  }
  EXPECT_EQ(expect, 4001);
  ASSERT_TRUE(wait_until([&] { return file_text(logs->stderr_path).find(" stderr F bye\n") == 30; }));
}


}  // namespace
}  // namespace shoal::runtime
