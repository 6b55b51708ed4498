// The log pump: a small process per task that sits in the task's output path. The task's
// stdout and stderr are pipes; the pump reads them, cuts the bytes into timestamped records
// (log_record.h) and appends them to the task's log files, rotating them itself.
//
// Why a process of its own (as containerd's shim and conmon): the time of each line is only
// known to whoever reads it as it is written, and that reader must outlive an agent restart
// (tasks keep running while the agent is away, and a pipe nobody drains would block them). It
// is this binary again (`shoal log-pump`, exec'd from /proc/self/exe), not a fork of the
// agent, so it holds its own ~2 MB (1.8 MB private measured, the -O2 build) rather than a
// copy-on-write image of the agent's heap. It names itself `shoal-log-pump` (ps, top).
//
// Because the pump is the only writer, rotation is by rename between two records: no line is
// lost or cut, and a generation never passes the cap unless one record is longer than it (a cap
// below 16 KiB) (copy-truncate from outside, LogRotator,
// could do neither; it remains for tasks started by an older agent).
//
// The pump exits when both pipes reach end-of-file: when the task and every process it left
// holding its output are gone. It ignores SIGTERM, SIGINT and SIGHUP so that lines already in
// the pipe when a task is stopped still reach the file.
#pragma once

#include <string>
#include <vector>

#include "runtime/log_rotation.h"

namespace shoal::runtime {

// File descriptors the pump reads: its spawner puts the pipes' read ends there.
inline constexpr int kLogPumpStdoutFd = 3;
inline constexpr int kLogPumpStderrFd = 4;

// argv after `log-pump`, from the limits and the two files.
std::vector<std::string> log_pump_args(const LogLimits& limits, const std::string& stdout_path,
                                       const std::string& stderr_path);

// `shoal log-pump --max-bytes N --max-files M STDOUT_FILE STDERR_FILE`: runs until both fds
// reach end-of-file. Returns the exit status (2 on bad arguments).
int run_log_pump(const std::vector<std::string>& args);

}  // namespace shoal::runtime
