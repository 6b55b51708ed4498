// A Docker `User` ("name", "uid", "name:group", "uid:gid") -> numeric ids, looked up in the
// image's own /etc/passwd and /etc/group, as the container runtime does: the names mean
// what the image says they mean, not what the host says. Pure: the shell reads the files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace shoal::image {

struct UserIds {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  bool operator==(const UserIds&) const = default;
};

// The files are bounded by the caller (read at most kMaxAccountFileBytes). A numeric uid that
// passwd does not list is allowed (gid 0 then, as Docker); an unknown name is an error.
inline constexpr std::size_t kMaxAccountFileBytes = 1 << 20;
Result<UserIds> resolve_user(std::string_view user, std::string_view passwd, std::string_view group);

}  // namespace shoal::image
