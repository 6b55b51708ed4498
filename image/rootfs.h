// A task's root filesystem: an overlayfs of the image's unpacked layers (read-only, shared by
// every task of the image) under a per-task upper dir (the task's writes, removed with it).
// plan_rootfs is pure: it names the dirs and the mount options. mount_rootfs and
// remove_rootfs are the small shell that does it (root only).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "image/digest.h"

namespace shoal::image {

struct RootfsPlan {
  std::vector<std::string> lower_dirs;  // top layer first, as overlayfs reads lowerdir=
  std::string upper_dir;                // <task_dir>/upper
  std::string work_dir;                 // <task_dir>/work (overlayfs scratch, same fs as upper)
  std::string merged_dir;               // <task_dir>/rootfs: the bundle's root.path

  // "lowerdir=A:B,upperdir=U,workdir=W" for mount(2).
  std::string mount_options() const;
};

// Options mount(2) accepts in one page. Longer (many layers, long paths) needs the new mount
// API's per-layer "lowerdir+" (Linux 6.8+), which mount_rootfs uses first anyway.
inline constexpr std::size_t kMaxMountOptionsBytes = 4095;

// `diff_ids` bottom first (as the image config lists them); each layer's dir is
// layer_fs_path(layers_root, diff_id). Refuses an image with no layers and paths overlayfs
// cannot take (':' or ',' in them would split the option string).
Result<RootfsPlan> plan_rootfs(const std::string& layers_root, const std::vector<Digest>& diff_ids,
                               const std::string& task_dir);

// Creates upper/work/merged and mounts the overlay on merged_dir. Tries fsopen/fsconfig with
// "lowerdir+" per layer (no length limit), then mount(2) with mount_options().
Status mount_rootfs(const RootfsPlan& plan);
// Unmounts merged_dir (if mounted) and removes the task's upper, work and merged dirs.
Status remove_rootfs(const RootfsPlan& plan);

}  // namespace shoal::image
