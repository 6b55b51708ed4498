#include "loadbalancer/nft_batch.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "common/result.h"

namespace shoal {

namespace {

// Room reserved for one message before it is written: an element list stops below
// kMaxElementListBytes (nlattr lengths are 16 bits), rules and chains are far smaller.
constexpr std::size_t kMaxElementListBytes = 60000;
constexpr std::size_t kMessageRoomBytes = 64 * 1024 + 4096;
// Worst case of one element in the list: key 16 + data 16 bytes or a verdict with a chain
// name (NFT_CHAIN_MAXNAMELEN 256), plus attribute headers.
constexpr std::size_t kMaxElementBytes = 8 + 24 + 8 + 24 + 8 + 8 + 260;

void put_u32(nlmsghdr* nlh, std::uint16_t type, std::uint32_t v) { mnl_attr_put_u32(nlh, type, htonl(v)); }

void put_data(nlmsghdr* nlh, std::uint16_t type, const std::uint8_t* data, std::size_t len) {
  auto* nest = mnl_attr_nest_start(nlh, type);
  mnl_attr_put(nlh, NFTA_DATA_VALUE, len, data);
  mnl_attr_nest_end(nlh, nest);
}

struct ExprWriter {
  nlmsghdr* nlh;

  void operator()(const NftPayload& e) const {
    put_u32(nlh, NFTA_PAYLOAD_DREG, e.dreg);
    put_u32(nlh, NFTA_PAYLOAD_BASE, static_cast<std::uint32_t>(e.base));
    put_u32(nlh, NFTA_PAYLOAD_OFFSET, e.offset);
    put_u32(nlh, NFTA_PAYLOAD_LEN, e.len);
  }
  void operator()(const NftMeta& e) const {
    put_u32(nlh, NFTA_META_DREG, e.dreg);
    put_u32(nlh, NFTA_META_KEY, e.key);
  }
  void operator()(const NftNumgenRandom& e) const {
    put_u32(nlh, NFTA_NG_DREG, e.dreg);
    put_u32(nlh, NFTA_NG_MODULUS, e.modulus);
    put_u32(nlh, NFTA_NG_TYPE, NFT_NG_RANDOM);
  }
  void operator()(const NftJhash& e) const {
    put_u32(nlh, NFTA_HASH_SREG, e.sreg);
    put_u32(nlh, NFTA_HASH_DREG, e.dreg);
    put_u32(nlh, NFTA_HASH_LEN, e.len);
    put_u32(nlh, NFTA_HASH_MODULUS, e.modulus);
    put_u32(nlh, NFTA_HASH_SEED, e.seed);
    put_u32(nlh, NFTA_HASH_TYPE, NFT_HASH_JENKINS);
  }
  void operator()(const NftLookup& e) const {
    mnl_attr_put_strz(nlh, NFTA_LOOKUP_SET, e.set.c_str());
    put_u32(nlh, NFTA_LOOKUP_SET_ID, e.set_id);
    put_u32(nlh, NFTA_LOOKUP_SREG, e.sreg);
    if (e.has_dreg) put_u32(nlh, NFTA_LOOKUP_DREG, e.dreg);
  }
  void operator()(const NftDnat& e) const {
    put_u32(nlh, NFTA_NAT_TYPE, NFT_NAT_DNAT);
    put_u32(nlh, NFTA_NAT_FAMILY, NFPROTO_IPV4);
    put_u32(nlh, NFTA_NAT_REG_ADDR_MIN, e.reg_addr);
    if (e.reg_proto != 0) put_u32(nlh, NFTA_NAT_REG_PROTO_MIN, e.reg_proto);
  }
  void operator()(const NftCmp& e) const {
    put_u32(nlh, NFTA_CMP_SREG, e.sreg);
    put_u32(nlh, NFTA_CMP_OP, e.equal ? NFT_CMP_EQ : NFT_CMP_NEQ);
    put_data(nlh, NFTA_CMP_DATA, e.data.data(), e.data.size());
  }
  void operator()(const NftBitwise& e) const {
    const std::vector<std::uint8_t> zero(e.mask.size(), 0);
    put_u32(nlh, NFTA_BITWISE_SREG, e.reg);
    put_u32(nlh, NFTA_BITWISE_DREG, e.reg);
    put_u32(nlh, NFTA_BITWISE_LEN, static_cast<std::uint32_t>(e.mask.size()));
    put_data(nlh, NFTA_BITWISE_MASK, e.mask.data(), e.mask.size());
    put_data(nlh, NFTA_BITWISE_XOR, zero.data(), zero.size());
  }
  void operator()(const NftMasquerade&) const {}
  void operator()(const NftImmediate& e) const {
    put_u32(nlh, NFTA_IMMEDIATE_DREG, e.dreg);
    put_data(nlh, NFTA_IMMEDIATE_DATA, e.data.data(), e.data.size());
  }
};

const char* expr_name(const NftExpr& e) {
  static constexpr const char* kNames[] = {"payload", "meta", "numgen", "hash", "lookup",
                                           "nat",     "cmp",  "bitwise", "masq", "immediate"};
  static_assert(std::variant_size_v<NftExpr> == std::size(kNames));
  return kNames[e.index()];
}

void put_element(nlmsghdr* nlh, const NftElement& el) {
  auto* item = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
  put_data(nlh, NFTA_SET_ELEM_KEY, el.key.data(), el.key_len);
  if (el.is_verdict) {
    auto* data = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
    auto* verdict = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
    if (el.goto_chain.empty()) {
      put_u32(nlh, NFTA_VERDICT_CODE, NF_DROP);
    } else {
      put_u32(nlh, NFTA_VERDICT_CODE, static_cast<std::uint32_t>(NFT_GOTO));
      mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, el.goto_chain.c_str());
    }
    mnl_attr_nest_end(nlh, verdict);
    mnl_attr_nest_end(nlh, data);
  } else if (el.data_len > 0) {
    put_data(nlh, NFTA_SET_ELEM_DATA, el.data.data(), el.data_len);
  }
  mnl_attr_nest_end(nlh, item);
}

}  // namespace

NftBatch::NftBatch(std::string table, std::uint32_t first_seq)
    : table_(std::move(table)), first_seq_(first_seq), seq_(first_seq) {
  SHOAL_ASSERT(!table_.empty() && table_.size() < NFT_TABLE_MAXNAMELEN);
  auto* nlh = begin_message(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST);
  end_message(nlh);
}

nlmsghdr* NftBatch::begin_message(std::uint16_t type, std::uint16_t flags) {
  SHOAL_ASSERT(!finished_);
  if (buf_.size() < used_ + kMessageRoomBytes) buf_.resize(std::max(buf_.size() * 2, used_ + kMessageRoomBytes));
  auto* nlh = mnl_nlmsg_put_header(buf_.data() + used_);
  bool delimiter = type == NFNL_MSG_BATCH_BEGIN || type == NFNL_MSG_BATCH_END;
  nlh->nlmsg_type = delimiter ? type : static_cast<std::uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | type);
  nlh->nlmsg_flags = delimiter ? flags : static_cast<std::uint16_t>(flags | NLM_F_REQUEST | NLM_F_ACK);
  nlh->nlmsg_seq = seq_++;
  if (!delimiter) message_types_.push_back(type);
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = delimiter ? AF_UNSPEC : NFPROTO_IPV4;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = delimiter ? htons(NFNL_SUBSYS_NFTABLES) : 0;
  return nlh;
}

void NftBatch::end_message(nlmsghdr* nlh) {
  SHOAL_ASSERT(nlh->nlmsg_len <= kMessageRoomBytes);
  used_ += NLMSG_ALIGN(nlh->nlmsg_len);
}

void NftBatch::new_table() {
  auto* nlh = begin_message(NFT_MSG_NEWTABLE, NLM_F_CREATE);
  mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table_.c_str());
  end_message(nlh);
}

void NftBatch::del_table() {
  auto* nlh = begin_message(NFT_MSG_DELTABLE, 0);
  mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table_.c_str());
  end_message(nlh);
}

void NftBatch::new_chain(const std::string& name) {
  auto* nlh = begin_message(NFT_MSG_NEWCHAIN, NLM_F_CREATE);
  mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, table_.c_str());
  mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, name.c_str());
  end_message(nlh);
}

void NftBatch::new_nat_chain(const std::string& name, NftHook hook) {
  auto* nlh = begin_message(NFT_MSG_NEWCHAIN, NLM_F_CREATE);
  mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, table_.c_str());
  mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, name.c_str());
  auto* nest = mnl_attr_nest_start(nlh, NFTA_CHAIN_HOOK);
  put_u32(nlh, NFTA_HOOK_HOOKNUM, hook.hooknum);
  put_u32(nlh, NFTA_HOOK_PRIORITY, static_cast<std::uint32_t>(hook.priority));
  mnl_attr_nest_end(nlh, nest);
  put_u32(nlh, NFTA_CHAIN_POLICY, NF_ACCEPT);
  mnl_attr_put_strz(nlh, NFTA_CHAIN_TYPE, "nat");
  end_message(nlh);
}

void NftBatch::new_map(const NftMapSpec& map) {
  auto* nlh = begin_message(NFT_MSG_NEWSET, NLM_F_CREATE);
  mnl_attr_put_strz(nlh, NFTA_SET_TABLE, table_.c_str());
  mnl_attr_put_strz(nlh, NFTA_SET_NAME, map.name.c_str());
  put_u32(nlh, NFTA_SET_FLAGS, NFT_SET_MAP);
  put_u32(nlh, NFTA_SET_KEY_TYPE, map.key_type);
  put_u32(nlh, NFTA_SET_KEY_LEN, map.key_len);
  put_u32(nlh, NFTA_SET_DATA_TYPE, map.data_type);
  put_u32(nlh, NFTA_SET_DATA_LEN, map.data_len);
  put_u32(nlh, NFTA_SET_ID, map.id);
  end_message(nlh);
}

void NftBatch::new_rule(const std::string& chain, const std::vector<NftExpr>& exprs) {
  auto* nlh = begin_message(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
  mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, table_.c_str());
  mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, chain.c_str());
  auto* list = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
  for (const auto& e : exprs) {
    auto* item = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
    mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, expr_name(e));
    if (!std::holds_alternative<NftMasquerade>(e)) {
      auto* data = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
      std::visit(ExprWriter{nlh}, e);
      mnl_attr_nest_end(nlh, data);
    }
    mnl_attr_nest_end(nlh, item);
  }
  mnl_attr_nest_end(nlh, list);
  end_message(nlh);
}

void NftBatch::put_elements(std::uint16_t type, std::uint16_t flags, const std::string& map,
                            const std::vector<NftElement>& elements) {
  std::size_t next = 0;
  while (next < elements.size()) {
    auto* nlh = begin_message(type, flags);
    mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table_.c_str());
    mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, map.c_str());
    auto* list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
    auto list_start = reinterpret_cast<std::uint8_t*>(list);
    while (next < elements.size() &&
           static_cast<std::size_t>(reinterpret_cast<std::uint8_t*>(mnl_nlmsg_get_payload_tail(nlh)) - list_start) +
                   kMaxElementBytes <
               kMaxElementListBytes)
      put_element(nlh, elements[next++]);
    mnl_attr_nest_end(nlh, list);
    end_message(nlh);
  }
}

void NftBatch::add_elements(const std::string& map, const std::vector<NftElement>& elements) {
  // EXCL: adding an element that exists is an error, so a model that drifted from the kernel
  // shows up as a failed apply (and a reset) instead of a silent no-op.
  put_elements(NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL, map, elements);
}

void NftBatch::del_elements(const std::string& map, const std::vector<NftElement>& elements) {
  put_elements(NFT_MSG_DELSETELEM, 0, map, elements);
}

int NftBatch::message_type(std::uint32_t seq) const {
  std::uint32_t i = seq - first_seq_ - 1;  // wraps for seq <= first_seq_: out of range below
  return i < message_types_.size() ? message_types_[i] : -1;
}

std::vector<std::uint8_t> NftBatch::finish() {
  auto* nlh = begin_message(NFNL_MSG_BATCH_END, NLM_F_REQUEST);
  end_message(nlh);
  finished_ = true;
  buf_.resize(used_);
  return std::move(buf_);
}

}  // namespace shoal
