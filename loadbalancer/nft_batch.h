// One nf_tables transaction as the bytes of a netlink batch (NFNL_MSG_BATCH_BEGIN, messages,
// NFNL_MSG_BATCH_END), built from value types; pure: it builds bytes and sends nothing. The
// kernel applies a batch all or nothing. Every message but the batch delimiters asks for an ack,
// so the sender knows each one's fate. Encodings follow what nft(8) itself sends (checked with
// `nft --debug=netlink`): integers in attributes are big endian, registers as in nf_tables.h.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

struct nlmsghdr;

namespace shoal {

// Registers (nf_tables.h): NFT_REG_1..4 are 16 bytes wide, NFT_REG32_00..15 4 bytes; NFT_REG_1
// overlaps NFT_REG32_00..03, so a concatenation loads consecutive 4-byte registers from REG_1.
enum class NftHeader : std::uint32_t { kNetwork = 1, kTransport = 2 };  // NFT_PAYLOAD_*_HEADER

struct NftPayload { std::uint32_t dreg; NftHeader base; std::uint32_t offset, len; };
struct NftMeta { std::uint32_t dreg; std::uint32_t key; };  // key: NFT_META_*
struct NftNumgenRandom { std::uint32_t dreg; std::uint32_t modulus; };
struct NftJhash { std::uint32_t sreg, len, dreg, modulus, seed; };
struct NftLookup { std::uint32_t sreg; std::uint32_t dreg; std::string set; std::uint32_t set_id; bool has_dreg; };
// IPv4 DNAT to the address in reg_addr and the port in reg_proto; reg_proto 0: the address
// only (the packet keeps its destination port).
struct NftDnat { std::uint32_t reg_addr, reg_proto; };
struct NftImmediate { std::uint32_t dreg; std::vector<std::uint8_t> data; };  // dreg = data
struct NftCmp { std::uint32_t sreg; bool equal; std::vector<std::uint8_t> data; };
struct NftBitwise { std::uint32_t reg; std::vector<std::uint8_t> mask; };  // reg &= mask
struct NftMasquerade {};
using NftExpr = std::variant<NftPayload, NftMeta, NftNumgenRandom, NftJhash, NftLookup, NftDnat, NftCmp,
                             NftBitwise, NftMasquerade, NftImmediate>;

// A map element: key bytes -> data bytes, or -> a verdict (goto `chain`, or drop).
struct NftElement {
  std::array<std::uint8_t, 16> key{};
  std::uint8_t key_len = 0;
  std::array<std::uint8_t, 16> data{};
  std::uint8_t data_len = 0;      // 0 for a verdict map
  bool is_verdict = false;
  std::string goto_chain;         // verdict: goto this chain; empty means drop
};

struct NftHook { std::uint32_t hooknum; std::int32_t priority; };  // NF_INET_*, e.g. -100

struct NftMapSpec {
  std::string name;
  std::uint32_t id;                        // batch-local id, so rules in the same batch find it
  std::uint32_t key_type, key_len;         // nft datatype ids (6 bits each, concatenated)
  std::uint32_t data_type, data_len;       // data_type 0xffffff00 is "verdict"; its len is 0
};

class NftBatch {
 public:
  NftBatch(std::string table, std::uint32_t first_seq);

  void new_table();
  void del_table();
  void new_chain(const std::string& name);                   // a regular chain
  void new_nat_chain(const std::string& name, NftHook hook);  // a base chain, policy accept
  void new_map(const NftMapSpec& map);
  void new_rule(const std::string& chain, const std::vector<NftExpr>& exprs);
  // As many messages as the elements need (each message's element list stays < 64 KiB).
  void add_elements(const std::string& map, const std::vector<NftElement>& elements);
  void del_elements(const std::string& map, const std::vector<NftElement>& elements);

  // Closes the batch; the builder must not be used after.
  std::vector<std::uint8_t> finish();

  // Sequence numbers: the batch spans first_seq()..last_seq(); every message between the
  // delimiters expects an ack (ack_count() of them).
  std::uint32_t first_seq() const { return first_seq_; }
  std::uint32_t last_seq() const { return seq_ - 1; }
  std::size_t ack_count() const { return message_types_.size(); }
  // NFT_MSG_* type of the message with sequence number `seq` (for error reports); -1 if none.
  int message_type(std::uint32_t seq) const;

 private:
  ::nlmsghdr* begin_message(std::uint16_t type, std::uint16_t flags);
  void end_message(::nlmsghdr* nlh);
  void put_elements(std::uint16_t type, std::uint16_t flags, const std::string& map,
                    const std::vector<NftElement>& elements);

  std::string table_;
  std::uint32_t first_seq_;
  std::uint32_t seq_;
  std::vector<std::uint16_t> message_types_;  // of seq first_seq_+1 onwards
  std::vector<std::uint8_t> buf_;
  std::size_t used_ = 0;
  bool finished_ = false;
};

}  // namespace shoal
