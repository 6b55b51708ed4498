#include "agent/join_hint.h"

namespace shoal {

std::string join_hint(const std::vector<std::string>& seeds, const membership::Counters& c,
                      const membership::Transport::StreamStats& streams) {
  std::string list;
  for (const auto& s : seeds) list += (list.empty() ? "" : ", ") + s;
  const auto dropped = [&](DropReason r) { return c.dropped[static_cast<std::size_t>(r)]; };
  const std::uint64_t wrong_key = dropped(DropReason::kBadMac) + dropped(DropReason::kUnknownKey);
  std::string line = "no seed answered yet (" + list + "); retrying join. ";
  if (wrong_key > 0)
    return line + std::to_string(wrong_key) +
           " packets arrived sealed with a key this node does not have: give every node the same "
           "cluster key (--key-file/$SHOAL_KEY, `shoal keys list` on a member)";
  if (streams.closed_unanswered > 0)
    return line + "A seed accepted the TCP connection and closed it without answering (" +
           std::to_string(streams.closed_unanswered) +
           " times): it most likely has another cluster key; give every node the same key "
           "(--key-file/$SHOAL_KEY, `shoal keys list` on a member)";
  if (streams.connect_failed > 0)
    return line + "TCP connections to the seeds failed (" + std::to_string(streams.connect_failed) +
           " times): check the address, that the agent runs there, and that the firewalls pass UDP and TCP "
           "to that port; every node also needs the same cluster key";
  return line + "Check that the address is a member's --bind/--advertise address, that UDP and TCP to "
                "that port pass the firewalls both ways, and that every node uses the same cluster key";
}

}  // namespace shoal
