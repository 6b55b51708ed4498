#include "runtime/cgroup_layout.h"

#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "runtime/fs_util.h"

namespace shoal::runtime {
namespace {

bool has_word(const std::string& text, const std::string& word) {
  std::istringstream in(text);
  std::string w;
  while (in >> w)
    if (w == word) return true;
  return false;
}

// v1: the first of `candidates` (mount names) that is a cgroup hierarchy. Checked by
// cgroup.procs, not by a limit file: the root cgroup has no pids.max (limits exist only in
// children), so "pids/pids.max" would miss a perfectly good pids hierarchy.
std::string find_v1_controller(const std::string& root, const std::vector<std::string>& candidates) {
  for (const auto& c : candidates) {
    std::string dir = join_path(root, c);
    if (path_exists(join_path(dir, "cgroup.procs"))) return dir;
  }
  return "";
}

void probe_v2(CgroupLayout& l) {
  auto controllers = read_file(join_path(l.unified_dir, "cgroup.controllers"), 4096);
  std::string text = controllers ? *controllers : "";
  l.cpu_dir = has_word(text, "cpu") ? l.unified_dir : "";
  l.memory_dir = has_word(text, "memory") ? l.unified_dir : "";
  l.pids_dir = has_word(text, "pids") ? l.unified_dir : "";
}

void probe_v1(CgroupLayout& l) {
  l.cpu_dir = find_v1_controller(l.root, {"cpu", "cpu,cpuacct", "cpuacct,cpu"});
  l.memory_dir = find_v1_controller(l.root, {"memory"});
  l.pids_dir = find_v1_controller(l.root, {"pids"});
}

}  // namespace

const char* cgroup_mode_name(CgroupMode mode) {
  switch (mode) {
    case CgroupMode::kNone: return "none";
    case CgroupMode::kV2: return "v2";
    case CgroupMode::kV1: return "v1";
  }
  return "unknown";
}

CgroupLayout probe_cgroup_layout(const std::string& root) {
  CgroupLayout l;
  l.root = root;
  if (path_exists(join_path(root, "cgroup.controllers"))) {
    l.mode = CgroupMode::kV2;
    l.unified_dir = root;
    probe_v2(l);
  } else {
    if (path_exists(join_path(root, "unified/cgroup.controllers"))) l.unified_dir = join_path(root, "unified");
    probe_v1(l);
    if (!l.cpu_dir.empty() || !l.memory_dir.empty() || !l.pids_dir.empty()) l.mode = CgroupMode::kV1;
  }
  if (l.mode == CgroupMode::kV2) {
    l.all_hierarchies = {root};
  } else if (auto subs = list_subdirs(root)) {
    for (const auto& sub : *subs)
      if (path_exists(join_path(join_path(root, sub), "cgroup.procs"))) l.all_hierarchies.push_back(join_path(root, sub));
  }
  if (l.cpu_dir.empty()) l.missing.push_back("cpu");
  if (l.memory_dir.empty()) l.missing.push_back("memory");
  if (l.pids_dir.empty()) l.missing.push_back("pids");
  bool writable = l.mode != CgroupMode::kNone;
  for (const auto& dir : l.hierarchies()) writable = writable && ::access(dir.c_str(), W_OK) == 0;
  l.writable = writable;
  return l;
}

std::vector<std::string> CgroupLayout::hierarchies() const {
  std::vector<std::string> dirs;
  for (const auto* d : {&cpu_dir, &memory_dir, &pids_dir})
    if (!d->empty()) dirs.push_back(*d);
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  return dirs;
}

std::string CgroupLayout::describe() const {
  std::string s = "cgroup ";
  s += mode == CgroupMode::kV1 ? (unified_dir.empty() ? "v1" : "v1 (hybrid)") : cgroup_mode_name(mode);
  if (mode == CgroupMode::kNone) return s + ": no cgroup hierarchy under " + root + "; limits are off";
  s += ": cpu=" + (cpu_dir.empty() ? std::string("-") : cpu_dir);
  s += " memory=" + (memory_dir.empty() ? std::string("-") : memory_dir);
  s += " pids=" + (pids_dir.empty() ? std::string("-") : pids_dir);
  if (!missing.empty()) {
    s += "; not enforced:";
    for (const auto& m : missing) s += " " + m;
  }
  if (!writable) s += "; not writable (not root?): limits are off";
  return s;
}

}  // namespace shoal::runtime
