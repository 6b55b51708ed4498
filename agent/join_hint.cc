#include "agent/join_hint.h"

namespace shoal {

std::string join_hint(const std::vector<std::string>& seeds, const membership::Counters& c) {
  std::string list;
  for (const auto& s : seeds) list += (list.empty() ? "" : ", ") + s;
  const auto dropped = [&](DropReason r) { return c.dropped[static_cast<std::size_t>(r)]; };
  const std::uint64_t wrong_key = dropped(DropReason::kBadMac) + dropped(DropReason::kUnknownKey);
  std::string line = "no seed answered yet (" + list + "); retrying join. ";
  if (wrong_key > 0)
    return line + std::to_string(wrong_key) +
           " packets arrived sealed with a key this node does not have: give every node the same "
           "cluster key (--key-file/$SHOAL_KEY, `shoal keys list` on a member)";
  return line + "Check that the address is a member's --bind/--advertise address, that UDP and TCP to "
                "that port pass the firewalls both ways, and that every node uses the same cluster key";
}

}  // namespace shoal
