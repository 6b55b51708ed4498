// The embedded DNS responder's core (pure: query bytes in, response bytes out; the UDP shell
// lives with the agent). Answers, case-insensitively, with the node as authority:
//   NAME, NAME.<domain>              -> A: the service's VIP
//   tasks.NAME, tasks.NAME.<domain>  -> A: every healthy task address of the service
//   anything else                    -> NXDOMAIN
// A known name asked for another type (AAAA...) gets NOERROR with no answer (NODATA), so
// resolvers do not conclude the name is absent. Malformed packets (short, responses, bad
// labels, compression in the question, trailing garbage in the question) get no reply at all:
// a resolver retries, and a spoofer learns nothing. Non-QUERY opcodes get NOTIMP.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/envelope.h"  // Bytes
#include "overlay/ipv4.h"

namespace shoal {

struct DnsConfig {
  // Search domain; "shoal" so `web.shoal` reads as "the shoal service web".
  std::string domain = "shoal";
  // Short TTL: VIPs never move, but task addresses do (scale, drain); 5 s bounds staleness of
  // `tasks.NAME` answers at the cost of a query every 5 s per client, cheap on a local responder.
  std::uint32_t ttl_s = 5;
};

class DnsTable {
 public:
  void set_service(std::string_view name, Ipv4 vip);
  void set_tasks(std::string_view name, std::vector<Ipv4> addresses);
  std::optional<Ipv4> vip(std::string_view lower_name) const;
  const std::vector<Ipv4>* tasks(std::string_view lower_name) const;

 private:
  std::map<std::string, Ipv4, std::less<>> vips_;
  std::map<std::string, std::vector<Ipv4>, std::less<>> tasks_;
};

// The response to `query`, or nullopt to stay silent (malformed input).
std::optional<Bytes> dns_answer(const std::uint8_t* query, std::size_t size, const DnsTable& table,
                                const DnsConfig& config);

}  // namespace shoal
