// Starting one child process: the only place the runtime forks. Used for tasks (process
// driver), for `runc run` (oci driver) and for health probes.
//
// The child is made with a raw clone() (fork semantics, optionally into new pid, mount, uts,
// ipc and net namespaces) and waits on a pipe until the parent has put its pid into the task's
// cgroups, so not one instruction of the task runs outside its limits. Exec failures travel back
// on a close-on-exec pipe, so start() returns "cannot exec /bin/nope: No such file or directory"
// instead of a task that dies at once.
//
// With a pid namespace the first child is pid 1 there: a tiny init (in this binary, like tini)
// that forwards signals to the workload, reaps zombies and exits with the workload's status
// (128+N when killed by signal N). Without it SIGTERM to a shell at pid 1 would be ignored.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace shoal::runtime {

// The program that carries a task's output to its log files (log_pump.h); empty = the task
// writes the files itself.
struct LogPumpLaunch {
  std::string program;            // executed (e.g. /proc/self/exe)
  std::vector<std::string> argv;  // argv[0] included; fds 3 and 4 are the pipes' read ends
};

struct SpawnRequest {
  std::vector<std::string> argv;     // argv[0]: a path, or a name looked up in env's PATH
  std::vector<std::string> env;      // the child's whole environment
  std::string working_dir;           // "" = inherit
  std::string stdout_path;           // "" = /dev/null; else opened O_APPEND|O_CREAT (0640)
  std::string stderr_path;
  LogPumpLaunch log_pump;            // set: stdout/stderr are pipes to this program instead
  bool new_namespaces = false;       // new pid, mount, uts and ipc namespaces (+ the pid-1 init)
  std::string hostname;              // set in the new uts namespace (truncated to 64 bytes)
  std::string network_namespace;     // "" = inherit, "new" = fresh one, else path to join
  std::string resolv_conf;           // with new_namespaces: bind-mounted over /etc/resolv.conf
  pid_t join_namespaces_of = 0;      // probes: enter this pid's net, ipc, uts, mnt namespaces
  std::vector<std::string> cgroup_procs_files;  // the child's pid goes here before it runs
  std::uint16_t tcp_connect_port = 0;  // probes: connect to 127.0.0.1:port, exit 0 iff it works
};

struct Spawned {
  pid_t pid = 0;                 // host pid of the (first) child
  std::uint64_t start_time = 0;  // /proc start time, to recognise the pid after a restart
  pid_t log_pump_pid = 0;        // our child too: the caller reaps it (it outlives the task)
};

Result<Spawned> spawn_process(const SpawnRequest& request);

// argv[0] as execve needs it: kept if it has a '/', else searched in PATH from env (or the
// standard PATH). Error "command 'x' not found in PATH=..." when absent.
Result<std::string> resolve_command(const std::string& name, const std::vector<std::string>& env);

inline constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// True if this process may create namespaces and cgroups (effective uid 0).
bool have_isolation_privileges();

}  // namespace shoal::runtime
