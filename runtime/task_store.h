// The state dir's task records: one file per running task, <dir>/<id>.task, replaced
// atomically. A corrupt file is moved aside to <id>.task.corrupt (kept for a human, never
// loaded again) and reported; it never stops the agent.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "runtime/task_record.h"

namespace shoal::runtime {

class TaskStore {
 public:
  explicit TaskStore(std::string dir) : dir_(std::move(dir)) {}

  Status init() const;  // mkdir -p (0700: records name processes and paths)
  Status save(const TaskRecord& record) const;
  Status remove(std::string_view id) const;  // ok if absent

  struct Loaded {
    std::vector<TaskRecord> records;  // sorted by id
    std::vector<std::string> errors;  // one line per file that could not be used
  };
  Loaded load_all() const;

  std::string path_of(std::string_view id) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace shoal::runtime
