#include "image/user_ids.h"

#include <charconv>
#include <optional>
#include <vector>

namespace shoal::image {
namespace {

std::optional<std::uint32_t> number(std::string_view text) {
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

// The colon-separated fields of the line of `file` whose first field is `name` (or whose
// third field is `id` when name is empty).
std::optional<std::vector<std::string_view>> find_entry(std::string_view file, std::string_view name,
                                                        std::optional<std::uint32_t> id) {
  while (!file.empty()) {
    const auto nl = file.find('\n');
    std::string_view line = file.substr(0, nl);
    file = nl == std::string_view::npos ? std::string_view{} : file.substr(nl + 1);
    std::vector<std::string_view> fields;
    for (std::size_t start = 0;;) {
      const auto colon = line.find(':', start);
      fields.push_back(line.substr(start, colon - start));
      if (colon == std::string_view::npos) break;
      start = colon + 1;
    }
    if (fields.size() < 3) continue;
    if (!name.empty() ? fields[0] == name : number(fields[2]) == id) return fields;
  }
  return std::nullopt;
}

}  // namespace

Result<UserIds> resolve_user(std::string_view user, std::string_view passwd, std::string_view group) {
  UserIds ids;
  if (user.empty()) return ids;
  const auto colon = user.find(':');
  const std::string_view who = user.substr(0, colon);
  if (auto uid = number(who)) {
    ids.uid = *uid;
    auto entry = find_entry(passwd, {}, uid);
    if (entry && entry->size() >= 4) ids.gid = number((*entry)[3]).value_or(0);
  } else {
    auto entry = find_entry(passwd, who, std::nullopt);
    if (!entry || entry->size() < 4 || !number((*entry)[2]) || !number((*entry)[3]))
      return make_error("user '" + std::string(who) + "' is not in the image's /etc/passwd (give a numeric uid)");
    ids.uid = *number((*entry)[2]);
    ids.gid = *number((*entry)[3]);
  }
  if (colon == std::string_view::npos) return ids;
  const std::string_view grp = user.substr(colon + 1);
  if (auto gid = number(grp)) {
    ids.gid = *gid;
    return ids;
  }
  auto entry = find_entry(group, grp, std::nullopt);
  if (!entry || !number((*entry)[2]))
    return make_error("group '" + std::string(grp) + "' is not in the image's /etc/group (give a numeric gid)");
  ids.gid = *number((*entry)[2]);
  return ids;
}

}  // namespace shoal::image
