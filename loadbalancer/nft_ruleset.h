// The nftables ruleset as text commands for libnftables (pure: no kernel). Design, chosen so one
// endpoint change touches one service's objects only, never the ruleset at large:
//
//   table ip shoal {
//     map services { type ipv4_addr . inet_proto . inet_service : verdict }   # VIP.proto.port -> goto svc_*
//     chain prerouting { type nat hook prerouting priority dstnat; ip daddr . meta l4proto . th dport vmap @services }
//     chain output     { type nat hook output priority -100;       (same) }    # locally started traffic
//     map  eps_<vip>_<proto>_<port> { typeof numgen random mod 1 : ip daddr . tcp dport }  # slot -> backend
//     chain svc_<vip>_<proto>_<port> { meta l4proto tcp dnat ip to numgen random mod N map @eps_... }
//   }
//
// Backends of a service occupy slots 0..N-1 of its map. Adding one appends slot N (one element)
// and rewrites the service's one rule (modulus N+1); removing slot i moves the last backend
// into i (one element replaced, one deleted) and rewrites the rule. nftables has no dynamic
// modulus, so the rule rewrite is unavoidable; it is one rule in one small chain. Compare
// kube-proxy's nftables mode: per-service chain with an inline numgen vmap to per-endpoint
// chains, rewritten whole on any endpoint change (O(endpoints of that service)).
// A service with no backends drops its traffic (fails fast rather than hitting the VIP).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "loadbalancer/lb_config.h"
#include "loadbalancer/lb_types.h"

namespace shoal {

class NftRuleset {
 public:
  explicit NftRuleset(LbConfig config) : config_(std::move(config)) {}

  // Deletes our table if present and creates the empty skeleton; forgets all services.
  std::string reset_commands();
  // The commands that apply `ops` as one transaction, and the slot tables updated as if they
  // succeeded (callers restore a copy on failure).
  std::string commands_for(const std::vector<LbOp>& ops);

  // Slot -> backend for one service (tests, `inspect`).
  const std::vector<Backend>* slots(const ServiceKey& key) const;
  std::string chain_name(const ServiceKey& key) const;
  std::string map_name(const ServiceKey& key) const;
  std::string rule_for(const ServiceKey& key, std::size_t backend_count) const;

 private:
  LbConfig config_;
  std::map<ServiceKey, std::vector<Backend>> slots_;
};

}  // namespace shoal
