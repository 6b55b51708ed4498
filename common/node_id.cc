#include "common/node_id.h"

#include <xxhash.h>

namespace shoal {

std::uint64_t stable_hash(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

Result<NodeId> parse_node_id(std::string_view name) {
  if (name.empty()) return make_error("node name is empty; give --name NAME");
  if (name.size() > kMaxNodeNameBytes)
    return make_error("node name '" + std::string(name) + "' is longer than 64 bytes");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok)
      return make_error("node name '" + std::string(name) +
                        "' has a character outside [A-Za-z0-9._-]");
  }
  return NodeId{std::string(name)};
}

}  // namespace shoal
