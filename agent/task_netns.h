// Named network namespaces for tasks, made without `ip netns`: a short-lived thread unshares
// its network namespace (unshare(CLONE_NEWNET) moves only the calling thread) and bind-mounts
// it onto a file, which keeps the namespace alive after the thread exits; the runtime joins it
// by path. Deleting unmounts the file: the kernel frees the namespace (and the task end of its
// veth, which takes the host end with it) once no process is left in it.
#pragma once

#include <string>

#include "common/result.h"

namespace shoal {

// Creates `path` (an empty file) holding a fresh network namespace. Fails if it exists.
Status create_netns(const std::string& path);

// Unmounts and removes `path`; absent is success.
Status delete_netns(const std::string& path);

}  // namespace shoal
