#include "image/rootfs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "image/file_io.h"
#include "image/layer_unpack.h"

namespace shoal::image {
namespace {

Status check_path(const std::string& p) {
  if (p.empty() || p.front() != '/') return make_error("rootfs path '" + p + "' is not absolute");
  if (p.find_first_of(":,") != std::string::npos) {
    return make_error("rootfs path '" + p + "' holds ':' or ',', which overlayfs options cannot carry");
  }
  return {};
}

// The new mount API: one fsconfig call per layer, so the layer count is not bounded by a page.
Status mount_with_fsconfig(const RootfsPlan& plan) {
  const int fs = ::fsopen("overlay", FSOPEN_CLOEXEC);
  if (fs < 0) return make_error(errno_text("fsopen overlay for", plan.merged_dir));
  auto set = [&](const char* key, const std::string& value) {
    return ::fsconfig(fs, FSCONFIG_SET_STRING, key, value.c_str(), 0) == 0;
  };
  bool ok = true;
  for (const auto& lower : plan.lower_dirs) ok = ok && set("lowerdir+", lower);
  ok = ok && set("upperdir", plan.upper_dir) && set("workdir", plan.work_dir);
  ok = ok && ::fsconfig(fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) == 0;
  const int mnt = ok ? ::fsmount(fs, FSMOUNT_CLOEXEC, 0) : -1;
  const int saved = errno;
  ::close(fs);
  if (mnt < 0) {
    errno = saved;
    return make_error(errno_text("fsconfig overlay for", plan.merged_dir));
  }
  const int rc = ::move_mount(mnt, "", AT_FDCWD, plan.merged_dir.c_str(), MOVE_MOUNT_F_EMPTY_PATH);
  const std::string why = rc == 0 ? "" : errno_text("move_mount overlay to", plan.merged_dir);
  ::close(mnt);
  if (rc != 0) return make_error(why);
  return {};
}

}  // namespace

std::string RootfsPlan::mount_options() const {
  std::string lower;
  for (const auto& d : lower_dirs) lower += (lower.empty() ? "" : ":") + d;
  return "lowerdir=" + lower + ",upperdir=" + upper_dir + ",workdir=" + work_dir;
}

Result<RootfsPlan> plan_rootfs(const std::string& layers_root, const std::vector<Digest>& diff_ids,
                               const std::string& task_dir) {
  if (diff_ids.empty()) return make_error("the image has no layers: nothing to run");
  RootfsPlan plan;
  for (auto it = diff_ids.rbegin(); it != diff_ids.rend(); ++it) {
    plan.lower_dirs.push_back(layer_fs_path(layers_root, *it));
  }
  plan.upper_dir = task_dir + "/upper";
  plan.work_dir = task_dir + "/work";
  plan.merged_dir = task_dir + "/rootfs";
  for (const auto& p : plan.lower_dirs) {
    if (auto st = check_path(p); !st) return st.error();
  }
  for (const auto* p : {&plan.upper_dir, &plan.work_dir, &plan.merged_dir}) {
    if (auto st = check_path(*p); !st) return st.error();
  }
  return plan;
}

Status mount_rootfs(const RootfsPlan& plan) {
  for (const auto* d : {&plan.upper_dir, &plan.work_dir, &plan.merged_dir}) {
    if (auto st = make_dirs(*d, 0755); !st) return st;
  }
  auto modern = mount_with_fsconfig(plan);
  if (modern) return {};
  const std::string options = plan.mount_options();
  if (options.size() > kMaxMountOptionsBytes) {
    return make_error(modern.message() + "; and the mount(2) fallback cannot take " +
                      std::to_string(plan.lower_dirs.size()) + " layers (" + std::to_string(options.size()) +
                      " bytes of options, at most " + std::to_string(kMaxMountOptionsBytes) + ")");
  }
  if (::mount("overlay", plan.merged_dir.c_str(), "overlay", 0, options.c_str()) != 0) {
    return make_error(errno_text("mount overlay on", plan.merged_dir) + " (after " + modern.message() + ")");
  }
  return {};
}

Status remove_rootfs(const RootfsPlan& plan) {
  if (::umount2(plan.merged_dir.c_str(), UMOUNT_NOFOLLOW) != 0 && errno != EINVAL && errno != ENOENT) {
    return make_error(errno_text("unmount", plan.merged_dir));
  }
  for (const auto* d : {&plan.merged_dir, &plan.upper_dir, &plan.work_dir}) {
    if (auto st = remove_tree(*d); !st) return st;
  }
  return {};
}

}  // namespace shoal::image
