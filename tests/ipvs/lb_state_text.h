// The guest tests' text form of an LbState, one line per desired state so a shell script can
// drive LoadBalancer::sync through a pipe:
//   "10.96.0.1:80 10.0.1.2:80 10.0.2.2:80; 10.96.0.2:53/udp 10.0.1.3:53"
// Services are separated by ';', each is "VIP:PORT[/tcp|/udp]" followed by its backends
// "IP:PORT". "-" (or an empty line) is the empty state, so a test can remove everything.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "loadbalancer/lb_types.h"

namespace shoal {

Result<LbState> parse_lb_state(std::string_view line);
// The inverse of parse_lb_state ("-" for the empty state); parse(format(s)) == s.
std::string format_lb_state(const LbState& state);

}  // namespace shoal
