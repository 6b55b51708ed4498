// The netlink batch bytes, parsed back with libmnl: framing, acks, splitting, element and
// expression encodings (the layouts nft itself sends, as `nft --debug=netlink` shows them).
#include "loadbalancer/nft_batch.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstring>

#include "loadbalancer/nft_messages.h"
#include "tests/loadbalancer/lb_test_values.h"

namespace shoal {

namespace {


std::vector<const nlmsghdr*> messages(const std::vector<std::uint8_t>& bytes) {
  std::vector<const nlmsghdr*> out;
  int left = static_cast<int>(bytes.size());
  for (auto* nlh = reinterpret_cast<const nlmsghdr*>(bytes.data()); mnl_nlmsg_ok(nlh, left);
       nlh = mnl_nlmsg_next(nlh, &left))
    out.push_back(nlh);
  EXPECT_EQ(left, 0) << "trailing bytes";
  return out;
}

std::vector<const nlattr*> attrs_in(const void* start, const void* end) {
  std::vector<const nlattr*> out;
  auto* a = static_cast<const nlattr*>(start);
  while (mnl_attr_ok(a, static_cast<int>(static_cast<const char*>(end) - reinterpret_cast<const char*>(a)))) {
    out.push_back(a);
    a = mnl_attr_next(a);
  }
  return out;
}

std::vector<const nlattr*> attrs(const nlmsghdr* nlh) {
  return attrs_in(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)), mnl_nlmsg_get_payload_tail(nlh));
}

std::vector<const nlattr*> nested(const nlattr* nest) {
  auto* p = static_cast<const char*>(mnl_attr_get_payload(nest));
  return attrs_in(p, p + mnl_attr_get_payload_len(nest));
}

const nlattr* find(const std::vector<const nlattr*>& list, std::uint16_t type) {
  for (auto* a : list)
    if (mnl_attr_get_type(a) == type) return a;
  return nullptr;
}

std::vector<std::uint8_t> payload(const nlattr* a) {
  auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(a));
  return {p, p + mnl_attr_get_payload_len(a)};
}

// The NFTA_DATA_VALUE bytes inside a data nest (key, element data, cmp data).
std::vector<std::uint8_t> value(const nlattr* nest) { return payload(find(nested(nest), NFTA_DATA_VALUE)); }

std::uint16_t nft_type(const nlmsghdr* nlh) { return nlh->nlmsg_type & 0xff; }

// Expression names of the rule in `nlh`, in order.
std::vector<std::string> expr_names(const nlmsghdr* nlh) {
  std::vector<std::string> out;
  for (auto* item : nested(find(attrs(nlh), NFTA_RULE_EXPRESSIONS)))
    out.push_back(mnl_attr_get_str(find(nested(item), NFTA_EXPR_NAME)));
  return out;
}

}  // namespace

TEST(NftBatch, IsFramedByBeginAndEndAndEveryMessageAsksForAnAck) {
  NftBatch batch("shoal", 100);
  batch.new_table();
  batch.del_table();
  batch.new_chain("pick_1");
  EXPECT_EQ(batch.ack_count(), 3u);
  EXPECT_EQ(batch.message_type(101), NFT_MSG_NEWTABLE);
  EXPECT_EQ(batch.message_type(103), NFT_MSG_NEWCHAIN);
  EXPECT_EQ(batch.message_type(100), -1);  // the BEGIN delimiter
  auto bytes = batch.finish();
  auto msgs = messages(bytes);
  ASSERT_EQ(msgs.size(), 5u);
  EXPECT_EQ(msgs.front()->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
  EXPECT_EQ(msgs.back()->nlmsg_type, NFNL_MSG_BATCH_END);
  auto* begin = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(msgs.front()));
  EXPECT_EQ(ntohs(begin->res_id), NFNL_SUBSYS_NFTABLES);
  for (std::size_t i = 0; i < msgs.size(); ++i) EXPECT_EQ(msgs[i]->nlmsg_seq, 100 + i);
  for (std::size_t i = 1; i + 1 < msgs.size(); ++i) {
    EXPECT_EQ(msgs[i]->nlmsg_type >> 8, NFNL_SUBSYS_NFTABLES);
    EXPECT_TRUE(msgs[i]->nlmsg_flags & NLM_F_ACK);
    EXPECT_EQ(mnl_attr_get_str(find(attrs(msgs[i]), NFTA_TABLE_NAME)), std::string("shoal"));
  }
  EXPECT_EQ(nft_type(msgs[1]), NFT_MSG_NEWTABLE);
  EXPECT_EQ(nft_type(msgs[2]), NFT_MSG_DELTABLE);
}

TEST(NftBatch, ServiceAndSlotElementsHaveNftsLayout) {
  // `nft --debug=netlink` for "10.96.0.5 . tcp . 80 . 0 : 10.200.1.1 . 8080" prints
  // element 0500600a 00000006 00005000 00000000 : 0101c80a 0000901f (little-endian words).
  auto slot = nft_slot_element(NftSlot{kWeb, 0}, be(1));
  std::vector<std::uint8_t> want_key{10, 96, 0, 5, 6, 0, 0, 0, 0, 80, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(std::vector<std::uint8_t>(slot.key.begin(), slot.key.begin() + slot.key_len), want_key);
  std::vector<std::uint8_t> want_data{10, 200, 1, 1, 0x1f, 0x90, 0, 0};
  EXPECT_EQ(std::vector<std::uint8_t>(slot.data.begin(), slot.data.begin() + slot.data_len), want_data);
  auto third = nft_slot_element(NftSlot{kWeb, 3});
  std::uint32_t index;
  std::memcpy(&index, third.key.data() + 12, 4);
  EXPECT_EQ(index, 3u);  // host order, as numgen writes its register
  EXPECT_EQ(third.data_len, 0);

  auto svc = nft_service_element(kWeb, 4);
  EXPECT_EQ(svc.key_len, 12);
  EXPECT_TRUE(svc.is_verdict);
  EXPECT_EQ(svc.goto_chain, "pick_4");
  EXPECT_EQ(nft_service_element(kWeb, 0).goto_chain, "");  // drop
  EXPECT_FALSE(nft_service_element(kWeb).is_verdict);      // for deletion: key only
}

TEST(NftBatch, ElementListsAreSplitBelowTheAttributeLimit) {
  std::vector<NftElement> elements;
  for (std::uint32_t i = 0; i < 5000; ++i) elements.push_back(nft_slot_element(NftSlot{kWeb, i}, be(int(i))));
  NftBatch batch("shoal", 1);
  batch.add_elements(kNftBackendsMap, elements);
  auto bytes = batch.finish();
  auto msgs = messages(bytes);
  ASSERT_GT(msgs.size(), 3u) << "5000 elements cannot fit one 64 KiB element list";
  std::uint32_t next = 0;
  for (std::size_t i = 1; i + 1 < msgs.size(); ++i) {
    EXPECT_EQ(nft_type(msgs[i]), NFT_MSG_NEWSETELEM);
    EXPECT_TRUE(msgs[i]->nlmsg_flags & NLM_F_EXCL);
    auto list = find(attrs(msgs[i]), NFTA_SET_ELEM_LIST_ELEMENTS);
    ASSERT_NE(list, nullptr);
    EXPECT_LT(mnl_attr_get_len(list), 65535u);
    EXPECT_EQ(mnl_attr_get_str(find(attrs(msgs[i]), NFTA_SET_ELEM_LIST_SET)), std::string("backends"));
    for (auto* item : nested(list)) {
      auto fields = nested(item);
      auto want = nft_slot_element(NftSlot{kWeb, next}, be(int(next)));
      EXPECT_EQ(value(find(fields, NFTA_SET_ELEM_KEY)),
                std::vector<std::uint8_t>(want.key.begin(), want.key.begin() + 16));
      EXPECT_EQ(value(find(fields, NFTA_SET_ELEM_DATA)),
                std::vector<std::uint8_t>(want.data.begin(), want.data.begin() + 8));
      ++next;
    }
  }
  EXPECT_EQ(next, 5000u) << "every element once, in order";
}

TEST(NftBatch, VerdictElementsGotoTheirPickChainOrDrop) {
  NftBatch batch("shoal", 1);
  batch.add_elements(kNftServicesMap, {nft_service_element(kWeb, 3), nft_service_element(kWeb, 0)});
  auto bytes = batch.finish();
  auto items = nested(find(attrs(messages(bytes)[1]), NFTA_SET_ELEM_LIST_ELEMENTS));
  ASSERT_EQ(items.size(), 2u);
  auto verdict = [](const nlattr* item) { return nested(find(nested(find(nested(item), NFTA_SET_ELEM_DATA)), NFTA_DATA_VERDICT)); };
  auto go = verdict(items[0]);
  EXPECT_EQ(static_cast<std::int32_t>(ntohl(mnl_attr_get_u32(find(go, NFTA_VERDICT_CODE)))), NFT_GOTO);
  EXPECT_EQ(mnl_attr_get_str(find(go, NFTA_VERDICT_CHAIN)), std::string("pick_3"));
  auto drop = verdict(items[1]);
  EXPECT_EQ(ntohl(mnl_attr_get_u32(find(drop, NFTA_VERDICT_CODE))), 0u);  // NF_DROP
  EXPECT_EQ(find(drop, NFTA_VERDICT_CHAIN), nullptr);
}

TEST(NftBatch, PickRuleComputesTheKeyThenDnats) {
  LbConfig config;
  NftBatch batch("shoal", 1);
  batch.new_rule("pick_3", nft_pick_rule(config, 3));
  config.nft_selector = NftSelector::kJhash;
  batch.new_rule("pick_3", nft_pick_rule(config, 3));
  auto bytes = batch.finish();
  auto msgs = messages(bytes);
  EXPECT_EQ(expr_names(msgs[1]), (std::vector<std::string>{"payload", "meta", "payload", "numgen", "lookup", "nat"}));
  EXPECT_EQ(expr_names(msgs[2]),
            (std::vector<std::string>{"payload", "meta", "payload", "payload", "payload", "hash", "lookup", "nat"}));
  EXPECT_TRUE(msgs[1]->nlmsg_flags & NLM_F_APPEND);
  // numgen: random mod 3 into NFT_REG32_03, right after the 12-byte VIP . proto . port key.
  auto numgen = nested(find(nested(nested(find(attrs(msgs[1]), NFTA_RULE_EXPRESSIONS))[3]), NFTA_EXPR_DATA));
  EXPECT_EQ(ntohl(mnl_attr_get_u32(find(numgen, NFTA_NG_MODULUS))), 3u);
  EXPECT_EQ(ntohl(mnl_attr_get_u32(find(numgen, NFTA_NG_DREG))), unsigned(NFT_REG32_03));
  EXPECT_EQ(ntohl(mnl_attr_get_u32(find(numgen, NFTA_NG_TYPE))), unsigned(NFT_NG_RANDOM));
}

TEST(NftBatch, CatchAllLookupAndPickUsePortZeroAndKeepThePacketsPort) {
  LbConfig config;
  NftBatch batch("shoal", 1);
  batch.new_rule("prerouting", nft_service_lookup_rule(true));
  batch.new_rule("anypick_2", nft_pick_rule(config, 2, true));
  batch.new_rule("pick_2", nft_pick_rule(config, 2));
  batch.add_elements(kNftServicesMap, {nft_service_element(ServiceKey{kWeb.vip, Protocol::kAny, 0}, 2),
                                       nft_service_element(ServiceKey{kWeb.vip, Protocol::kTcp, 0}, 2)});
  auto bytes = batch.finish();
  auto msgs = messages(bytes);
  EXPECT_EQ(expr_names(msgs[1]), (std::vector<std::string>{"payload", "immediate", "lookup"}));
  EXPECT_EQ(expr_names(msgs[2]), (std::vector<std::string>{"payload", "immediate", "numgen", "lookup", "nat"}));
  // Protocol and port registers hold 0 (all 8 bytes: the key compares whole registers).
  auto imm = nested(find(nested(nested(find(attrs(msgs[1]), NFTA_RULE_EXPRESSIONS))[1]), NFTA_EXPR_DATA));
  EXPECT_EQ(ntohl(mnl_attr_get_u32(find(imm, NFTA_IMMEDIATE_DREG))), unsigned(NFT_REG32_01));
  auto value = find(nested(find(imm, NFTA_IMMEDIATE_DATA)), NFTA_DATA_VALUE);
  ASSERT_EQ(mnl_attr_get_payload_len(value), 8u);
  EXPECT_EQ(std::memcmp(mnl_attr_get_payload(value), "\0\0\0\0\0\0\0\0", 8), 0);
  // DNAT to the address only in anypick_N; to address and port in pick_N.
  auto nat = [&](const nlmsghdr* m) {
    auto exprs = nested(find(attrs(m), NFTA_RULE_EXPRESSIONS));
    return nested(find(nested(exprs.back()), NFTA_EXPR_DATA));
  };
  EXPECT_NE(find(nat(msgs[2]), NFTA_NAT_REG_ADDR_MIN), nullptr);
  EXPECT_EQ(find(nat(msgs[2]), NFTA_NAT_REG_PROTO_MIN), nullptr);
  EXPECT_NE(find(nat(msgs[3]), NFTA_NAT_REG_PROTO_MIN), nullptr);
  // A catch-all service's element goes to anypick_<N>, under protocol 0 whatever the key says
  // (the lookup loads 0 . 0).
  auto items = nested(find(attrs(msgs[4]), NFTA_SET_ELEM_LIST_ELEMENTS));
  ASSERT_EQ(items.size(), 2u);
  auto go = nested(find(nested(find(nested(items[0]), NFTA_SET_ELEM_DATA)), NFTA_DATA_VERDICT));
  EXPECT_EQ(mnl_attr_get_str(find(go, NFTA_VERDICT_CHAIN)), std::string("anypick_2"));
  auto key_of = [](const nlattr* item) {
    auto* v = find(nested(find(nested(item), NFTA_SET_ELEM_KEY)), NFTA_DATA_VALUE);
    const auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(v));
    return std::vector<std::uint8_t>(p, p + mnl_attr_get_payload_len(v));
  };
  EXPECT_EQ(key_of(items[0]), (std::vector<std::uint8_t>{10, 96, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(key_of(items[0]), key_of(items[1]));
}

TEST(NftBatch, MeshMasqueradeMatchesTheOverlayDeviceAndPool) {
  LbConfig config;
  auto exprs = nft_mesh_masquerade_rule(config);
  ASSERT_EQ(exprs.size(), 6u);
  auto ifname = std::get<NftCmp>(exprs[1]);
  EXPECT_TRUE(ifname.equal);
  EXPECT_EQ(ifname.data.size(), 16u);  // IFNAMSIZ, zero padded: an exact name match
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ifname.data.data())), "shoal-vx");
  EXPECT_EQ(std::get<NftBitwise>(exprs[3]).mask, (std::vector<std::uint8_t>{255, 255, 0, 0}));
  auto pool = std::get<NftCmp>(exprs[4]);
  EXPECT_FALSE(pool.equal);
  EXPECT_EQ(pool.data, (std::vector<std::uint8_t>{10, 200, 0, 0}));
  EXPECT_TRUE(std::holds_alternative<NftMasquerade>(exprs[5]));
}

TEST(NftBatch, ResetMakesOnlyOurTableWithThreeNatChainsAndThePickChains) {
  LbConfig config;
  config.nft_pick_chains_at_reset = 2;
  NftBatch batch("shoal", 1);
  write_nft_reset(batch, config);
  auto bytes = batch.finish();
  std::vector<std::string> chains;
  int rules = 0, maps = 0;
  for (auto* m : messages(bytes)) {
    if (m->nlmsg_type == NFNL_MSG_BATCH_BEGIN || m->nlmsg_type == NFNL_MSG_BATCH_END) continue;
    auto a = attrs(m);
    EXPECT_EQ(mnl_attr_get_str(a[0]), std::string("shoal"));  // every message names our table first
    if (nft_type(m) == NFT_MSG_NEWCHAIN) {
      chains.push_back(mnl_attr_get_str(find(a, NFTA_CHAIN_NAME)));
      EXPECT_EQ(find(a, NFTA_CHAIN_TYPE) != nullptr, find(a, NFTA_CHAIN_HOOK) != nullptr);
    }
    rules += nft_type(m) == NFT_MSG_NEWRULE;
    maps += nft_type(m) == NFT_MSG_NEWSET;
  }
  EXPECT_EQ(chains, (std::vector<std::string>{"prerouting", "output", "postrouting", "pick_1", "anypick_1", "pick_2",
                                              "anypick_2"}));
  EXPECT_EQ(rules, 2 + 2 + 1 + 4);  // two lookups (port, catch-all) in each dnat chain
  EXPECT_EQ(maps, 2);
  config.overlay_ifname.clear();  // no overlay: no masquerade rule
  NftBatch bare("shoal", 1);
  write_nft_reset(bare, config);
  EXPECT_EQ(bare.ack_count(), batch.ack_count() - 1);
}

TEST(NftBatch, ChangesGoDeletesBeforeAddsAndChainsFirst) {
  NftRuleset ruleset;
  (void)ruleset.plan({AddService{kWeb}, AddBackend{kWeb, be(1)}, AddBackend{kWeb, be(2)}});
  auto changes = ruleset.plan({DelBackend{kWeb, be(1)}, AddBackend{kWeb, be(3)}, AddBackend{kWeb, be(4)}});
  NftBatch batch("shoal", 1);
  write_nft_changes(batch, LbConfig{}, changes);
  auto bytes = batch.finish();
  std::vector<int> types;
  for (auto* m : messages(bytes))
    if (m->nlmsg_type >> 8 == NFNL_SUBSYS_NFTABLES) types.push_back(nft_type(m));
  EXPECT_EQ(types, (std::vector<int>{NFT_MSG_NEWCHAIN, NFT_MSG_NEWRULE, NFT_MSG_DELSETELEM, NFT_MSG_DELSETELEM,
                                     NFT_MSG_NEWSETELEM, NFT_MSG_NEWSETELEM}));
}

// Whatever the elements, the bytes always parse back into well-formed messages whose element
// lists stay under 64 KiB and carry every element exactly once.
RC_GTEST_PROP(NftBatch, AnyElementListParsesBack, ()) {
  auto n = *rc::gen::inRange(0, 4000);
  bool verdicts = *rc::gen::arbitrary<bool>();
  std::vector<NftElement> elements;
  for (int i = 0; i < n; ++i)
    elements.push_back(verdicts ? nft_service_element(ServiceKey{Ipv4{std::uint32_t(i)}, Protocol::kUdp, 53},
                                                      *rc::gen::inRange<std::uint32_t>(0, 2000))
                                : nft_slot_element(NftSlot{kWeb, std::uint32_t(i)}, be(i)));
  NftBatch batch("shoal", 7);
  batch.del_elements(verdicts ? kNftServicesMap : kNftBackendsMap, elements);
  auto acks = batch.ack_count();
  auto bytes = batch.finish();
  auto msgs = messages(bytes);
  RC_ASSERT(msgs.size() == acks + 2);
  std::size_t seen = 0;
  for (std::size_t i = 1; i + 1 < msgs.size(); ++i) {
    auto list = find(attrs(msgs[i]), NFTA_SET_ELEM_LIST_ELEMENTS);
    RC_ASSERT(list != nullptr);
    RC_ASSERT(mnl_attr_get_len(list) < 65535u);
    seen += nested(list).size();
  }
  RC_ASSERT(seen == elements.size());
}

}  // namespace shoal
