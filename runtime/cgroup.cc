#include "runtime/cgroup.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "runtime/fs_util.h"

namespace shoal::runtime {
namespace {

// Processes can fork while we kill; a few passes catch them (a pid ns or cgroup.kill is the
// real guarantee). Bounded so a fork bomb cannot keep us here.
constexpr int kKillPasses = 8;

std::vector<pid_t> read_procs(const std::string& dir) {
  std::vector<pid_t> pids;
  auto text = read_file(join_path(dir, "cgroup.procs"), 1 << 20);
  if (!text) return pids;
  std::istringstream in(*text);
  long pid;
  while (in >> pid)
    if (pid > 0) pids.push_back(static_cast<pid_t>(pid));
  return pids;
}

// Nested groups (runc's container cgroup inside an oci task's): depth-first, bounded.
constexpr int kMaxNesting = 4;

void collect_pids(const std::string& dir, int depth, std::vector<pid_t>& out) {
  auto p = read_procs(dir);
  out.insert(out.end(), p.begin(), p.end());
  if (depth >= kMaxNesting) return;
  auto subs = list_subdirs(dir);
  if (!subs) return;
  for (const auto& s : *subs) collect_pids(join_path(dir, s), depth + 1, out);
}

bool remove_tree(const std::string& dir, int depth, std::string& error) {
  if (depth < kMaxNesting) {
    if (auto subs = list_subdirs(dir))
      for (const auto& s : *subs)
        if (!remove_tree(join_path(dir, s), depth + 1, error)) return false;
  }
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
    error = "cannot remove cgroup " + dir + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

std::string v2_enable_line(const CgroupLayout& layout) {
  std::string line;
  if (!layout.cpu_dir.empty()) line += "+cpu ";
  if (!layout.memory_dir.empty()) line += "+memory ";
  if (!layout.pids_dir.empty()) line += "+pids ";
  if (!line.empty()) line.pop_back();
  return line;
}

// v2 "no internal processes" rule: controllers must be enabled in every ancestor's
// subtree_control for the task's cgroup to get the files. Best effort on the root (a systemd
// host has done it already); an error below the root is real.
Status enable_v2_controllers(const CgroupLayout& layout, std::string_view parent) {
  const std::string line = v2_enable_line(layout);
  if (line.empty()) return {};
  (void)write_control_file(join_path(layout.unified_dir, "cgroup.subtree_control"), line);
  std::string dir = layout.unified_dir;
  std::string_view rest = parent;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string part(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (part.empty()) continue;
    dir = join_path(dir, part);
    if (auto s = write_control_file(join_path(dir, "cgroup.subtree_control"), line); !s) return s;
  }
  return {};
}

}  // namespace

std::vector<CgroupWrite> limit_writes(const CgroupLayout& layout, std::string_view name,
                                      const CgroupLimits& limits, bool memsw_available) {
  std::vector<CgroupWrite> w;
  const bool v2 = layout.mode == CgroupMode::kV2;
  if (!layout.cpu_dir.empty() && limits.cpu_millis > 0) {
    const std::int64_t quota_us = std::max<std::int64_t>(1000, limits.cpu_millis * kCpuPeriodUs / 1000);
    const std::string dir = join_path(layout.cpu_dir, name);
    if (v2) {
      w.push_back({join_path(dir, "cpu.max"), std::to_string(quota_us) + " " + std::to_string(kCpuPeriodUs)});
    } else {
      w.push_back({join_path(dir, "cpu.cfs_period_us"), std::to_string(kCpuPeriodUs)});
      w.push_back({join_path(dir, "cpu.cfs_quota_us"), std::to_string(quota_us)});
    }
  }
  if (!layout.memory_dir.empty() && limits.memory_bytes > 0) {
    const std::string dir = join_path(layout.memory_dir, name);
    const std::string bytes = std::to_string(limits.memory_bytes);
    if (v2) {
      w.push_back({join_path(dir, "memory.max"), bytes});
      w.push_back({join_path(dir, "memory.swap.max"), "0"});
    } else {
      w.push_back({join_path(dir, "memory.limit_in_bytes"), bytes});
      if (memsw_available) w.push_back({join_path(dir, "memory.memsw.limit_in_bytes"), bytes});
    }
  }
  if (!layout.pids_dir.empty() && limits.pids_max > 0)
    w.push_back({join_path(join_path(layout.pids_dir, name), "pids.max"), std::to_string(limits.pids_max)});
  return w;
}

std::uint64_t parse_oom_kill_count(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string key;
  std::uint64_t value = 0;
  while (in >> key >> value)
    if (key == "oom_kill") return value;
  return 0;
}

TaskCgroup TaskCgroup::attach(const CgroupLayout& layout, std::string_view parent, std::string_view task_id) {
  TaskCgroup cg;
  cg.v2_ = layout.mode == CgroupMode::kV2;
  const std::string name = join_path(parent, task_id);
  for (const auto& h : layout.hierarchies()) cg.dirs_.push_back(join_path(h, name));
  if (!layout.memory_dir.empty()) cg.memory_dir_ = join_path(layout.memory_dir, name);
  return cg;
}

Result<TaskCgroup> TaskCgroup::create(const CgroupLayout& layout, std::string_view parent,
                                      std::string_view task_id, const CgroupLimits& limits) {
  if (!layout.enabled()) return make_error("cgroups are not available: " + layout.describe());
  if (layout.mode == CgroupMode::kV2)
    if (auto s = make_dirs(join_path(layout.unified_dir, parent)); !s) return s.error();
  if (layout.mode == CgroupMode::kV2)
    if (auto s = enable_v2_controllers(layout, parent); !s) return s.error();
  TaskCgroup cg = attach(layout, parent, task_id);
  for (const auto& dir : cg.dirs_)
    if (auto s = make_dirs(dir); !s) return s.error();
  const bool memsw = !cg.memory_dir_.empty() && layout.mode == CgroupMode::kV1 &&
                     path_exists(join_path(cg.memory_dir_, "memory.memsw.limit_in_bytes"));
  for (const auto& w : limit_writes(layout, join_path(parent, task_id), limits, memsw)) {
    // memory.swap.max exists only with swap accounting; without it there is no swap to cap.
    if (w.path.ends_with("memory.swap.max") && !path_exists(w.path)) continue;
    if (auto s = write_control_file(w.path, w.value); !s) {
      (void)cg.remove();
      return s.error();
    }
  }
  return cg;
}

std::vector<std::string> TaskCgroup::procs_files() const {
  std::vector<std::string> files;
  for (const auto& d : dirs_) files.push_back(join_path(d, "cgroup.procs"));
  return files;
}

Status TaskCgroup::add_process(pid_t pid) const {
  for (const auto& f : procs_files())
    if (auto s = write_control_file(f, std::to_string(pid)); !s) return s;
  return {};
}

std::vector<pid_t> TaskCgroup::pids() const {
  std::vector<pid_t> all;
  for (const auto& d : dirs_) collect_pids(d, 0, all);
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

int TaskCgroup::kill_all() const {
  int signalled = 0;
  if (v2_ && !dirs_.empty() && path_exists(join_path(dirs_[0], "cgroup.kill"))) {
    if (write_control_file(join_path(dirs_[0], "cgroup.kill"), "1")) return static_cast<int>(pids().size());
  }
  for (int pass = 0; pass < kKillPasses; ++pass) {
    auto members = pids();
    if (members.empty()) break;
    for (pid_t p : members)
      if (::kill(p, SIGKILL) == 0) ++signalled;
  }
  return signalled;
}

std::uint64_t TaskCgroup::oom_kills() const {
  if (memory_dir_.empty()) return 0;
  const char* file = v2_ ? "memory.events" : "memory.oom_control";
  auto text = read_file(join_path(memory_dir_, file), 4096);
  return text ? parse_oom_kill_count(*text) : 0;
}

bool TaskCgroup::memory_limit_reached() const {
  if (memory_dir_.empty()) return false;
  auto number = [&](const char* file) -> std::uint64_t {
    auto text = read_file(join_path(memory_dir_, file), 4096);
    return text ? std::strtoull(text->c_str(), nullptr, 10) : 0;
  };
  if (v2_) {
    auto text = read_file(join_path(memory_dir_, "memory.events"), 4096);
    if (!text) return false;
    std::istringstream in(*text);
    std::string key;
    std::uint64_t value = 0;
    while (in >> key >> value)
      if (key == "max") return value > 0;
    return false;
  }
  // v1: failcnt is not kept for every counter on recent kernels (with memsw set it stayed 0
  // here, kernel 6.18), but the usage high-water mark is: it equals the limit after an OOM.
  for (auto [peak, limit] : {std::pair{"memory.max_usage_in_bytes", "memory.limit_in_bytes"},
                             std::pair{"memory.memsw.max_usage_in_bytes", "memory.memsw.limit_in_bytes"}}) {
    const std::uint64_t l = number(limit);
    if (l > 0 && number(peak) >= l) return true;
  }
  return false;
}

Status TaskCgroup::remove() const {
  std::string error;
  for (const auto& d : dirs_)
    if (!remove_tree(d, 0, error)) return make_error(error);
  return {};
}

bool TaskCgroup::exists() const {
  for (const auto& d : dirs_)
    if (path_exists(d)) return true;
  return false;
}

}  // namespace shoal::runtime
