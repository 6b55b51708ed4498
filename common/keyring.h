// Cluster keyring: every packet on the wire is sealed with XChaCha20-Poly1305 (libsodium AEAD).
// One primary key seals; all installed keys open, so keys rotate without downtime:
// install the new key everywhere, `use` it, then remove the old one (as Serf's keyring does).
//
// Sealed packet layout (all integers big-endian):
//   [0]      format version (1)
//   [1..4]   key id: first 4 bytes of BLAKE2b(key), so a receiver picks the key without trying all
//   [5..12]  sender time, ms since the epoch (feeds the replay window)
//   [13..36] nonce, 24 random bytes
//   [37..]   ciphertext || 16-byte tag; bytes [0..36] are authenticated as associated data
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
inline constexpr std::size_t kSealHeaderBytes = 1 + 4 + 8 + 24;
inline constexpr std::size_t kSealTagBytes = 16;
inline constexpr std::size_t kSealOverheadBytes = kSealHeaderBytes + kSealTagBytes;

using Key = std::array<std::uint8_t, kKeyBytes>;

// One-time libsodium initialisation; safe to call many times.
void crypto_init();

Key generate_key();
std::string key_to_base64(const Key& key);
Result<Key> key_from_base64(std::string_view text);
std::uint32_t key_id(const Key& key);

struct OpenedPacket {
  Bytes plaintext;
  std::uint64_t sent_ms = 0;
  std::array<std::uint8_t, 24> nonce{};
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

  Bytes seal(const std::uint8_t* plaintext, std::size_t size, std::uint64_t now_ms) const;
  Bytes seal(const Bytes& plaintext, std::uint64_t now_ms) const {
    return seal(plaintext.data(), plaintext.size(), now_ms);
  }
  // On failure sets *why (truncated, unknown key, bad MAC).
  Result<OpenedPacket> open(const std::uint8_t* packet, std::size_t size, DropReason* why) const;

 private:
  std::vector<Key> keys_;  // keys_[0] is the primary
};

}  // namespace shoal
