// What a node that cannot join should tell its operator. "no seed answered yet" alone left
// users guessing; the usual causes are a wrong address, a firewall, or a different cluster key,
// and the drop counters tell the last one apart: packets that arrive but fail authentication.
#pragma once

#include <string>
#include <vector>

#include "membership/swim.h"
#include "membership/transport_asio.h"

namespace shoal {

// One log line for a join round that got no answer from `seeds`.
std::string join_hint(const std::vector<std::string>& seeds, const membership::Counters& counters,
                      const membership::Transport::StreamStats& streams);

}  // namespace shoal
