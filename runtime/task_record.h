// What the runtime remembers on disk about a running task, so a restarted agent can find it,
// check it is the same process (pid + start time), and adopt it without a restart; or, if it
// is no longer wanted, stop it. Encoded as a versioned msgpack map (unknown keys ignored,
// missing keys default), decoded defensively: a corrupt file is an error value, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/task_spec.h"
#include "runtime/task_state.h"

namespace shoal::runtime {

inline constexpr std::uint32_t kTaskRecordVersion = 1;
// A record holds one spec; 1 MiB is far above any real one and bounds what we read.
inline constexpr std::size_t kMaxTaskRecordBytes = 1 << 20;

struct TaskRecord {
  TaskSpec spec;
  int pid = 0;                      // host pid of the task's top process (init shim or runc)
  std::uint64_t start_time = 0;     // /proc start time of pid
  std::string cgroup_parent;        // cgroups live at <hierarchy>/<parent>/<id>
  std::string stdout_path;
  std::string stderr_path;
  std::string bundle_dir;           // oci: the bundle holding config.json
  TaskState state = TaskState::kRunning;  // last reported: running or healthy
  std::uint32_t restarts = 0;

  bool operator==(const TaskRecord&) const = default;
};

std::string encode_task_record(const TaskRecord& record);
Result<TaskRecord> decode_task_record(std::string_view bytes);

}  // namespace shoal::runtime
