#include "runtime/spawn.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <spawn.h>
#include <signal.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "runtime/fs_util.h"
#include "runtime/log_pump.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace shoal::runtime {
namespace {

// A fresh network namespace has only `lo`, and it is down: bring it up so the task (and its
// health probe) can use 127.0.0.1 before the dataplane adds anything.
void loopback_up() {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  ifreq req{};
  std::memcpy(req.ifr_name, "lo", 3);
  if (::ioctl(fd, SIOCGIFFLAGS, &req) == 0) {
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
    ::ioctl(fd, SIOCSIFFLAGS, &req);
  }
  ::close(fd);
}

// Where in the child a failure happened, for the error message.
enum class Stage : int { kSetns, kNetns, kMount, kHostname, kStdio, kChdir, kExec, kFork };

const char* stage_name(Stage s) {
  switch (s) {
    case Stage::kSetns: return "enter the task's namespaces";
    case Stage::kNetns: return "join the network namespace";
    case Stage::kMount: return "set up the mount namespace";
    case Stage::kHostname: return "set the hostname";
    case Stage::kStdio: return "set up stdio";
    case Stage::kChdir: return "change to the working dir";
    case Stage::kExec: return "exec";
    case Stage::kFork: return "fork the workload";
  }
  return "start";
}

struct ChildError {
  int stage = 0;
  int err = 0;
};

// Everything the child needs, prepared before clone(): after it only async-signal-safe calls
// are allowed (the agent may have other threads holding malloc's locks).
struct ChildPlan {
  const char* path = nullptr;
  std::vector<char*> argv;
  std::vector<char*> envp;
  const char* working_dir = nullptr;
  const char* hostname = nullptr;
  const char* resolv_conf = nullptr;  // bind-mounted over /etc/resolv.conf (new mount ns only)
  std::size_t hostname_len = 0;
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;
  int netns_fd = -1;
  int join_fds[4] = {-1, -1, -1, -1};
  int go_fd = -1;   // read end: parent says "your cgroups are set, go"
  int err_fd = -1;  // write end, close-on-exec: a ChildError if anything fails
  bool new_namespaces = false;
  bool new_netns = false;
  std::uint16_t tcp_port = 0;
};

class FdCloser {
 public:
  ~FdCloser() {
    for (int fd : fds_)
      if (fd >= 0) ::close(fd);
  }
  int add(int fd) {
    fds_.push_back(fd);
    return fd;
  }

 private:
  std::vector<int> fds_;
};

[[noreturn]] void fail(const ChildPlan& p, Stage stage, int err) {
  ChildError e{static_cast<int>(stage), err};
  ssize_t ignored = ::write(p.err_fd, &e, sizeof e);
  (void)ignored;
  ::_exit(127);
}

long raw_clone(unsigned long flags) { return ::syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0); }

void reset_signals() {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);  // fails harmlessly for KILL/STOP
}

[[noreturn]] void tcp_probe(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) ::_exit(2);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // The runtime kills the probe at its timeout, so a blocking connect is fine here.
  ::_exit(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 ? 0 : 1);
}

[[noreturn]] void exec_workload(const ChildPlan& p) {
  if (::dup2(p.stdin_fd, 0) < 0 || ::dup2(p.stdout_fd, 1) < 0 || ::dup2(p.stderr_fd, 2) < 0)
    fail(p, Stage::kStdio, errno);
  // Every other inherited descriptor (sockets, the agent's files) closes at exec.
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  if (p.working_dir != nullptr && ::chdir(p.working_dir) != 0) fail(p, Stage::kChdir, errno);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (p.tcp_port != 0) tcp_probe(p.tcp_port);
  ::execve(p.path, p.argv.data(), p.envp.data());
  fail(p, Stage::kExec, errno);
}

// pid 1 of the task's pid namespace: forward signals, reap, exit with the workload's status.
[[noreturn]] void run_init(const ChildPlan& p) {
  sigset_t all;
  sigfillset(&all);
  ::sigprocmask(SIG_BLOCK, &all, nullptr);
  long workload = raw_clone(0);
  if (workload < 0) fail(p, Stage::kFork, errno);
  if (workload == 0) exec_workload(p);
  // This init never execs, so nothing inherited closes by itself: without this it would hold the
  // agent's stdio (a caller's pipe never reaches EOF) and sockets for the task's whole life.
  // The workload has its own copies (err_fd included, closed at its exec).
  int devnull = ::open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
  }
  ::syscall(SYS_close_range, 3U, ~0U, 0U);
  for (;;) {
    siginfo_t info;
    int sig = ::sigwaitinfo(&all, &info);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      ::kill(static_cast<pid_t>(workload), sig);
      continue;
    }
    int status = 0;
    pid_t reaped;
    while ((reaped = ::waitpid(-1, &status, WNOHANG)) > 0) {
      if (reaped != workload) continue;
      ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
  }
}

[[noreturn]] void child_main(const ChildPlan& p) {
  reset_signals();
  char go = 0;
  ssize_t n;
  do {
    n = ::read(p.go_fd, &go, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) ::_exit(126);  // the parent gave up (cgroup error) or died
  ::setsid();                // own session and process group: kill(-pid) reaches only the task
  static constexpr int kJoinTypes[4] = {CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNS};
  for (int i = 0; i < 4; ++i)
    if (p.join_fds[i] >= 0 && ::setns(p.join_fds[i], kJoinTypes[i]) != 0) fail(p, Stage::kSetns, errno);
  if (p.netns_fd >= 0 && ::setns(p.netns_fd, CLONE_NEWNET) != 0) fail(p, Stage::kNetns, errno);
  if (p.new_netns) loopback_up();
  if (p.new_namespaces) {
    // Private propagation first, so the /proc mount below never leaks to the host.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail(p, Stage::kMount, errno);
    if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
      fail(p, Stage::kMount, errno);
    // A host without /etc/resolv.conf (a minimal initramfs) gets none: creating it here would
    // create it on the host's filesystem.
    if (p.resolv_conf != nullptr && ::access("/etc/resolv.conf", F_OK) == 0 &&
        ::mount(p.resolv_conf, "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0)
      fail(p, Stage::kMount, errno);
    if (p.hostname_len > 0 && ::sethostname(p.hostname, p.hostname_len) != 0) fail(p, Stage::kHostname, errno);
    run_init(p);
  }
  exec_workload(p);
}

Result<int> open_output(const std::string& path) {
  int fd = path.empty() ? ::open("/dev/null", O_WRONLY | O_CLOEXEC)
                        : ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return make_error("cannot open log file " + path + ": " + std::strerror(errno));
  return fd;
}

std::vector<char*> c_strings(const std::vector<std::string>& items) {
  std::vector<char*> out;
  out.reserve(items.size() + 1);
  for (const auto& s : items) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

std::string path_from_env(const std::vector<std::string>& env) {
  for (const auto& e : env)
    if (e.starts_with("PATH=")) return e.substr(5);
  return kDefaultPath;
}

// Starts the log pump on the read ends of two fresh pipes and returns their write ends, the
// task's stdout and stderr. posix_spawn (a vfork) so the agent's memory is never copied; the
// pump gets its own session (no terminal signal reaches it) and nothing of the agent's but the
// two pipes (closefrom).
Status start_log_pump(const LogPumpLaunch& pump, FdCloser& closer, int& stdout_fd, int& stderr_fd, pid_t& pid) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return make_error(std::string("pipe: ") + std::strerror(errno));
  closer.add(out[0]), closer.add(out[1]);
  if (::pipe2(err, O_CLOEXEC) != 0) return make_error(std::string("pipe: ") + std::strerror(errno));
  closer.add(err[0]), closer.add(err[1]);
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  for (int fd = 0; fd < 3; ++fd)
    posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[0], kLogPumpStdoutFd);
  posix_spawn_file_actions_adddup2(&actions, err[0], kLogPumpStderrFd);
  posix_spawn_file_actions_addclosefrom_np(&actions, kLogPumpStderrFd + 1);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv = c_strings(pump.argv);
  // The agent's environment (the cluster key is wiped from it at start), so the pump reads the
  // same wall clock the agent does, even under a test's faketime.
  const int rc = ::posix_spawn(&pid, pump.program.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) pid = 0;
  if (rc != 0) return make_error("cannot start the log pump " + pump.program + ": " + std::strerror(rc));
  stdout_fd = out[1];
  stderr_fd = err[1];
  return {};
}

// A start that fails after the pump started must not leave it behind as a zombie: the pipes
// close first (the FdCloser is declared after this guard), the pump sees end-of-file and exits,
// and this reaps it. A successful start hands the pid to the caller instead.
struct PumpGuard {
  pid_t pid = 0;
  ~PumpGuard() {
    if (pid <= 0) return;
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
};

Result<Spawned> fail_after_clone(pid_t pid, Error error) {
  ::kill(pid, SIGKILL);
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return error;
}

}  // namespace

bool have_isolation_privileges() { return ::geteuid() == 0; }

Result<std::string> resolve_command(const std::string& name, const std::vector<std::string>& env) {
  if (name.empty()) return make_error("empty command");
  if (name.find('/') != std::string::npos) return name;
  const std::string path = path_from_env(env);
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (!dir.empty()) {
      std::string candidate = join_path(dir, name);
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    start = end + 1;
  }
  return make_error("command '" + name + "' not found in PATH=" + path);
}

Result<Spawned> spawn_process(const SpawnRequest& req) {
  if (req.argv.empty() && req.tcp_connect_port == 0) return make_error("spawn: empty argv");
  PumpGuard pump;
  FdCloser closer;
  ChildPlan plan;
  std::string path;
  if (req.tcp_connect_port == 0) {
    auto resolved = resolve_command(req.argv[0], req.env);
    if (!resolved) return resolved.error();
    path = *resolved;
  }
  plan.path = path.c_str();
  plan.argv = c_strings(req.argv);
  plan.envp = c_strings(req.env);
  plan.working_dir = req.working_dir.empty() ? nullptr : req.working_dir.c_str();
  plan.hostname = req.hostname.c_str();
  plan.hostname_len = std::min<std::size_t>(req.hostname.size(), 64);
  plan.new_namespaces = req.new_namespaces;
  if (req.new_namespaces && !req.resolv_conf.empty()) plan.resolv_conf = req.resolv_conf.c_str();
  plan.tcp_port = req.tcp_connect_port;

  plan.stdin_fd = closer.add(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!req.log_pump.program.empty()) {
    if (auto s = start_log_pump(req.log_pump, closer, plan.stdout_fd, plan.stderr_fd, pump.pid); !s) return s.error();
  } else {
    auto out = open_output(req.stdout_path);
    if (!out) return out.error();
    plan.stdout_fd = closer.add(*out);
    auto err = open_output(req.stderr_path);
    if (!err) return err.error();
    plan.stderr_fd = closer.add(*err);
  }

  unsigned long flags = 0;
  if (req.new_namespaces) flags |= CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
  if (req.network_namespace == "new") {
    flags |= CLONE_NEWNET;
    plan.new_netns = true;
  } else if (!req.network_namespace.empty()) {
    plan.netns_fd = closer.add(::open(req.network_namespace.c_str(), O_RDONLY | O_CLOEXEC));
    if (plan.netns_fd < 0)
      return make_error("cannot open network namespace " + req.network_namespace + ": " + std::strerror(errno));
  }
  if (req.join_namespaces_of > 0) {
    static constexpr const char* kNames[4] = {"net", "ipc", "uts", "mnt"};
    for (int i = 0; i < 4; ++i) {
      std::string ns = "/proc/" + std::to_string(req.join_namespaces_of) + "/ns/" + kNames[i];
      plan.join_fds[i] = closer.add(::open(ns.c_str(), O_RDONLY | O_CLOEXEC));
      if (plan.join_fds[i] < 0) return make_error("cannot open " + ns + ": " + std::strerror(errno));
    }
  }

  int go[2], errp[2];
  if (::pipe2(go, O_CLOEXEC) != 0) return make_error(std::string("pipe: ") + std::strerror(errno));
  closer.add(go[0]);
  int go_write = go[1];
  if (::pipe2(errp, O_CLOEXEC) != 0) {
    ::close(go_write);
    return make_error(std::string("pipe: ") + std::strerror(errno));
  }
  int err_read = errp[0];
  plan.go_fd = go[0];
  plan.err_fd = errp[1];

  // Signals stay blocked across clone() so none of the agent's handlers runs in the child.
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  long pid = raw_clone(flags);
  if (pid == 0) child_main(plan);
  int clone_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) {
    ::close(go_write);
    ::close(err_read);
    ::close(plan.err_fd);
    return make_error(std::string("cannot clone the task process: ") + std::strerror(clone_errno) +
                      (clone_errno == EPERM ? " (namespaces need root)" : ""));
  }
  // Close our copies of the child's ends now, so EOF on err_read means "exec done".
  ::close(plan.err_fd);
  plan.err_fd = -1;
  const pid_t child = static_cast<pid_t>(pid);

  for (const auto& procs : req.cgroup_procs_files) {
    if (auto s = write_control_file(procs, std::to_string(child)); !s) {
      ::close(go_write);
      ::close(err_read);
      return fail_after_clone(child, s.error());
    }
  }
  char byte = 1;
  ssize_t w = ::write(go_write, &byte, 1);
  ::close(go_write);
  if (w != 1) {
    ::close(err_read);
    return fail_after_clone(child, make_error("cannot signal the task process to start"));
  }
  ChildError ce;
  ssize_t n;
  do {
    n = ::read(err_read, &ce, sizeof ce);
  } while (n < 0 && errno == EINTR);
  ::close(err_read);
  if (n == static_cast<ssize_t>(sizeof ce)) {
    std::string what = std::string("cannot ") + stage_name(static_cast<Stage>(ce.stage));
    if (static_cast<Stage>(ce.stage) == Stage::kExec) what += " " + path;
    return fail_after_clone(child, make_error(what + ": " + std::strerror(ce.err)));
  }
  Spawned s;
  s.pid = child;
  auto st = process_start_time(child);
  s.start_time = st ? *st : 0;
  s.log_pump_pid = std::exchange(pump.pid, 0);
  return s;
}

}  // namespace shoal::runtime
