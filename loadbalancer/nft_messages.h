// shoal's nftables ruleset (see nft_ruleset.h for its shape and why) as nf_tables netlink
// messages written into an NftBatch. Pure: bytes only.
#pragma once

#include <string>
#include <vector>

#include "loadbalancer/lb_config.h"
#include "loadbalancer/nft_batch.h"
#include "loadbalancer/nft_ruleset.h"

namespace shoal {

// Names and batch ids of the two maps.
inline constexpr const char* kNftServicesMap = "services";
inline constexpr const char* kNftBackendsMap = "backends";

// Deletes our table if present ("add" then "delete" works whether it existed or not) and makes
// the empty skeleton: both maps, the nat base chains and their rules, and the pick chains
// pick_1..pick_<config.nft_pick_chains_at_reset>.
void write_nft_reset(NftBatch& batch, const LbConfig& config);
// Deletes our table if present and leaves nothing of ours (agent shutdown with --cleanup).
void write_nft_remove(NftBatch& batch);
// The element (and new pick chain) changes of one apply().
void write_nft_changes(NftBatch& batch, const LbConfig& config, const NftChanges& changes);

std::string nft_pick_chain(std::uint32_t backend_count, bool catch_all = false);  // "pick_3", "anypick_3"
// The pick chain's one rule: DNAT to backends[VIP . proto . port . (selector mod N)]; for a
// catch-all chain protocol and port in the key are 0 and the DNAT sets the address only.
std::vector<NftExpr> nft_pick_rule(const LbConfig& config, std::uint32_t backend_count, bool catch_all = false);
// prerouting/output: ip daddr . meta l4proto . th dport vmap @services, and after it the
// catch-all lookup ip daddr . 0 . 0 vmap @services.
std::vector<NftExpr> nft_service_lookup_rule(bool catch_all = false);
// postrouting: oifname <overlay_ifname> ip saddr != <overlay_pool> masquerade.
std::vector<NftExpr> nft_mesh_masquerade_rule(const LbConfig& config);

NftElement nft_service_element(const ServiceKey& key, std::uint32_t backend_count);
// Key-only elements, for deletion.
NftElement nft_service_element(const ServiceKey& key);
NftElement nft_slot_element(const NftSlot& slot);
NftElement nft_slot_element(const NftSlot& slot, const Backend& backend);

}  // namespace shoal
