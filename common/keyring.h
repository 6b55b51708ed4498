// Cluster keyring: every packet on the wire is sealed with XChaCha20-Poly1305 (libsodium AEAD).
// One primary key seals; all installed keys open, so keys rotate without downtime:
// install the new key everywhere, `use` it, then remove the old one (as Serf's keyring does).
//
// Sealed packet layout (all integers big-endian):
//   [0]      format version (2)
//   [1..4]   key id: first 4 bytes of BLAKE2b(key), so a receiver picks the key without trying all
//   [5]      channel (SealChannel): datagram, stream request or stream reply
//   [6..13]  sender id: node_hash(sender name)
//   [14..21] destination id: node_hash(destination name), 0 = not known to the sender
//   [22..29] sender epoch: random, chosen once per sender process (common/replay_filter.h)
//   [30..37] sender counter: 1, 2, ... per sealed packet within the epoch
//   [38..45] echo: the destination's epoch the sender currently accepts, 0 if none
//   [46..69] nonce, 24 random bytes
//   [70..]   ciphertext || 16-byte tag; bytes [0..69] are authenticated as associated data
//
// Why destination and channel are in the associated data: a packet captured on the wire and
// replayed to a *different* node, or on another channel (a stream reply sent back as a
// request), fails `open` with its own drop reason instead of being believed. The message type
// itself (the envelope inside) is authenticated as ciphertext. No wall-clock time is on the
// wire: replay protection uses (epoch, counter), so nodes with wrong clocks still talk.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/envelope.h"
#include "common/result.h"

namespace shoal {

inline constexpr std::size_t kKeyBytes = 32;
inline constexpr std::size_t kSealHeaderBytes = 1 + 4 + 1 + 8 + 8 + 8 + 8 + 8 + 24;
inline constexpr std::size_t kSealTagBytes = 16;
inline constexpr std::size_t kSealOverheadBytes = kSealHeaderBytes + kSealTagBytes;

using Key = std::array<std::uint8_t, kKeyBytes>;

// One-time libsodium initialisation; safe to call many times.
void crypto_init();

Key generate_key();
std::string key_to_base64(const Key& key);
Result<Key> key_from_base64(std::string_view text);
std::uint32_t key_id(const Key& key);

// Which kind of exchange a sealed packet belongs to (bound into the associated data).
enum class SealChannel : std::uint8_t { kDatagram = 1, kStreamRequest = 2, kStreamReply = 3 };

// The authenticated header fields of one sealed packet (everything but key id and nonce).
struct SealHeader {
  SealChannel channel = SealChannel::kDatagram;
  std::uint64_t sender_id = 0;       // node_hash(sender's name)
  std::uint64_t destination_id = 0;  // node_hash(destination's name); 0 = unknown (a seed)
  std::uint64_t epoch = 0;           // sender's session, random per process start
  std::uint64_t counter = 0;         // 1-based, strictly increasing within the epoch
  std::uint64_t echo = 0;            // destination's epoch as the sender knows it (replay_filter.h)
  bool operator==(const SealHeader&) const = default;
};

// 64-bit id of a node name for the seal header (xxh3; never 0, which means "unknown").
std::uint64_t node_hash(std::string_view name);

struct OpenedPacket {
  Bytes plaintext;
  SealHeader header;
};

class Keyring {
 public:
  explicit Keyring(Key primary);

  // Keyring file: one base64 key per line, the first is primary; '#' starts a comment.
  static Result<Keyring> from_text(std::string_view text);
  std::string to_text() const;

  Status install(const Key& key);
  Status use(const Key& key);      // key must be installed
  Status remove(const Key& key);   // cannot remove the primary
  const Key& primary() const { return keys_.front(); }
  const std::vector<Key>& keys() const { return keys_; }  // primary first

  // Seals with the primary key. The header is sent in clear and authenticated.
  Bytes seal(const std::uint8_t* plaintext, std::size_t size, const SealHeader& header) const;
  Bytes seal(const Bytes& plaintext, const SealHeader& header) const {
    return seal(plaintext.data(), plaintext.size(), header);
  }
  // Authenticates and decrypts with whichever installed key the key id names. On failure sets
  // *why (truncated, unknown version, unknown key, bad MAC). It does not judge the header:
  // destination, channel and replay are the caller's checks (membership/packet_guard.h).
  Result<OpenedPacket> open(const std::uint8_t* packet, std::size_t size, DropReason* why) const;

 private:
  std::vector<Key> keys_;  // keys_[0] is the primary
};

}  // namespace shoal
