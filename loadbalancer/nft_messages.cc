#include "loadbalancer/nft_messages.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <net/if.h>

#include <cstring>

namespace shoal {

namespace {

// nft datatype ids (nftables' datatype.h); a concatenation packs 6 bits per field, first
// field highest. Only `nft list` reads them; the kernel checks lengths alone.
constexpr std::uint32_t kTypeIpAddr = 7, kTypeInetProto = 12, kTypeInetService = 13, kTypeMark = 19;
constexpr std::uint32_t kTypeVerdict = 0xffffff00;  // NFT_DATA_VERDICT
constexpr std::uint32_t concat(std::uint32_t a, std::uint32_t b) { return a << 6 | b; }

constexpr std::uint32_t kServicesId = 1, kBackendsId = 2;

// Key layout, 4-byte aligned as registers are: VIP (network order) | l4proto, 3 pad |
// port (network order), 2 pad | slot (host order: numgen and jhash write native u32).
constexpr std::uint8_t kServiceKeyLen = 12, kSlotKeyLen = 16, kBackendDataLen = 8;

void put_ip_port(std::uint8_t* out, Ipv4 ip, std::uint16_t port) {
  auto b = ip.bytes();
  std::memcpy(out, b.data(), 4);
  out[4] = static_cast<std::uint8_t>(port >> 8);
  out[5] = static_cast<std::uint8_t>(port);
}

void put_service_key(std::uint8_t* out, const ServiceKey& key) {
  auto b = key.vip.bytes();
  std::memcpy(out, b.data(), 4);
  out[4] = key.catch_all() ? 0 : static_cast<std::uint8_t>(key.protocol);  // the lookup loads 0 . 0
  out[8] = static_cast<std::uint8_t>(key.port >> 8);
  out[9] = static_cast<std::uint8_t>(key.port);
}

// Loads ip daddr . meta l4proto . th dport into NFT_REG32_00..02 (NFT_REG_1 onwards); for the
// catch-all key ip daddr . 0 . 0 (one immediate of 8 bytes: both registers, padding included).
void load_service_key(std::vector<NftExpr>& exprs, bool catch_all) {
  exprs.push_back(NftPayload{NFT_REG_1, NftHeader::kNetwork, 16, 4});
  if (catch_all) {
    exprs.push_back(NftImmediate{NFT_REG32_01, std::vector<std::uint8_t>(8, 0)});
    return;
  }
  exprs.push_back(NftMeta{NFT_REG32_01, NFT_META_L4PROTO});
  exprs.push_back(NftPayload{NFT_REG32_02, NftHeader::kTransport, 2, 2});
}

}  // namespace

std::string nft_pick_chain(std::uint32_t backend_count, bool catch_all) {
  return (catch_all ? "anypick_" : "pick_") + std::to_string(backend_count);
}

std::vector<NftExpr> nft_service_lookup_rule(bool catch_all) {
  std::vector<NftExpr> exprs;
  load_service_key(exprs, catch_all);
  exprs.push_back(NftLookup{NFT_REG_1, NFT_REG_VERDICT, kNftServicesMap, kServicesId, true});
  return exprs;
}

std::vector<NftExpr> nft_pick_rule(const LbConfig& config, std::uint32_t backend_count, bool catch_all) {
  SHOAL_ASSERT(backend_count > 0);
  std::vector<NftExpr> exprs;
  load_service_key(exprs, catch_all);
  if (config.nft_selector == NftSelector::kJhash) {
    // jhash(ip saddr . th sport) into REG32_03, hashing from NFT_REG_3 (clear of the key).
    exprs.push_back(NftPayload{NFT_REG_3, NftHeader::kNetwork, 12, 4});
    exprs.push_back(NftPayload{NFT_REG32_09, NftHeader::kTransport, 0, 2});
    exprs.push_back(NftJhash{NFT_REG_3, 8, NFT_REG32_03, backend_count, config.nft_jhash_seed});
  } else {
    exprs.push_back(NftNumgenRandom{NFT_REG32_03, backend_count});
  }
  // The backend address lands in REG32_00, its port in REG32_01 (0, unused, for a catch-all).
  exprs.push_back(NftLookup{NFT_REG_1, NFT_REG_1, kNftBackendsMap, kBackendsId, true});
  exprs.push_back(NftDnat{NFT_REG_1, catch_all ? 0u : NFT_REG32_01});
  return exprs;
}

std::vector<NftExpr> nft_mesh_masquerade_rule(const LbConfig& config) {
  std::vector<std::uint8_t> ifname(IFNAMSIZ, 0);
  SHOAL_ASSERT(config.overlay_ifname.size() < IFNAMSIZ);
  std::memcpy(ifname.data(), config.overlay_ifname.data(), config.overlay_ifname.size());
  auto mask = Ipv4{config.overlay_pool.mask()}.bytes();
  auto pool = config.overlay_pool.addr.bytes();
  return {NftMeta{NFT_REG_1, NFT_META_OIFNAME},
          NftCmp{NFT_REG_1, true, ifname},
          NftPayload{NFT_REG_1, NftHeader::kNetwork, 12, 4},
          NftBitwise{NFT_REG_1, {mask.begin(), mask.end()}},
          NftCmp{NFT_REG_1, false, {pool.begin(), pool.end()}},
          NftMasquerade{}};
}

NftElement nft_service_element(const ServiceKey& key) {
  NftElement el;
  el.key_len = kServiceKeyLen;
  put_service_key(el.key.data(), key);
  return el;
}

NftElement nft_service_element(const ServiceKey& key, std::uint32_t backend_count) {
  NftElement el = nft_service_element(key);
  el.is_verdict = true;
  if (backend_count > 0) el.goto_chain = nft_pick_chain(backend_count, key.catch_all());  // none: drop (fail fast)
  return el;
}

NftElement nft_slot_element(const NftSlot& slot) {
  NftElement el;
  el.key_len = kSlotKeyLen;
  put_service_key(el.key.data(), slot.service);
  std::memcpy(el.key.data() + 12, &slot.index, 4);
  return el;
}

NftElement nft_slot_element(const NftSlot& slot, const Backend& backend) {
  NftElement el = nft_slot_element(slot);
  el.data_len = kBackendDataLen;
  put_ip_port(el.data.data(), backend.ip, backend.port);
  return el;
}

void write_nft_remove(NftBatch& batch) {
  batch.new_table();
  batch.del_table();
}

void write_nft_reset(NftBatch& batch, const LbConfig& config) {
  write_nft_remove(batch);
  batch.new_table();
  batch.new_map(NftMapSpec{kNftServicesMap, kServicesId,
                           concat(concat(kTypeIpAddr, kTypeInetProto), kTypeInetService), kServiceKeyLen,
                           kTypeVerdict, 0});
  batch.new_map(NftMapSpec{kNftBackendsMap, kBackendsId,
                           concat(concat(concat(kTypeIpAddr, kTypeInetProto), kTypeInetService), kTypeMark),
                           kSlotKeyLen, concat(kTypeIpAddr, kTypeInetService), kBackendDataLen});
  // dstnat (-100) for traffic arriving from outside or from tasks, and the same for traffic this
  // host starts (output): both see the VIPs and published ports.
  batch.new_nat_chain("prerouting", NftHook{NF_INET_PRE_ROUTING, -100});
  batch.new_rule("prerouting", nft_service_lookup_rule());
  batch.new_rule("prerouting", nft_service_lookup_rule(true));
  batch.new_nat_chain("output", NftHook{NF_INET_LOCAL_OUT, -100});
  batch.new_rule("output", nft_service_lookup_rule());
  batch.new_rule("output", nft_service_lookup_rule(true));
  batch.new_nat_chain("postrouting", NftHook{NF_INET_POST_ROUTING, 100});  // srcnat
  if (!config.overlay_ifname.empty()) batch.new_rule("postrouting", nft_mesh_masquerade_rule(config));
  for (std::uint32_t n = 1; n <= config.nft_pick_chains_at_reset; ++n) {
    for (bool catch_all : {false, true}) {
      batch.new_chain(nft_pick_chain(n, catch_all));
      batch.new_rule(nft_pick_chain(n, catch_all), nft_pick_rule(config, n, catch_all));
    }
  }
}

void write_nft_changes(NftBatch& batch, const LbConfig& config, const NftChanges& changes) {
  for (const auto& chain : changes.new_pick_chains) {
    batch.new_chain(nft_pick_chain(chain.count, chain.catch_all));
    batch.new_rule(nft_pick_chain(chain.count, chain.catch_all), nft_pick_rule(config, chain.count, chain.catch_all));
  }
  std::vector<NftElement> elements;
  auto flush = [&](bool add, const char* map) {
    if (elements.empty()) return;
    if (add) batch.add_elements(map, elements);
    else batch.del_elements(map, elements);
    elements.clear();
  };
  for (const auto& key : changes.service_deletes) elements.push_back(nft_service_element(key));
  flush(false, kNftServicesMap);
  for (const auto& slot : changes.slot_deletes) elements.push_back(nft_slot_element(slot));
  flush(false, kNftBackendsMap);
  for (const auto& [slot, backend] : changes.slot_adds) elements.push_back(nft_slot_element(slot, backend));
  flush(true, kNftBackendsMap);
  for (const auto& [key, count] : changes.service_adds) elements.push_back(nft_service_element(key, count));
  flush(true, kNftServicesMap);
}

}  // namespace shoal
