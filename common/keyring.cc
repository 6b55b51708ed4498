#include "common/keyring.h"

#include <sodium.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <sstream>

namespace shoal {

namespace {

void put_u32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}
void put_u64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}
std::uint32_t get_u32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | p[i];
  return v;
}
std::uint64_t get_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

// 2: the header carries channel, sender, destination, epoch and counter instead of a send time.
constexpr std::uint8_t kSealFormat = 2;
constexpr std::size_t kNonceOffset = kSealHeaderBytes - 24;

}  // namespace

void crypto_init() {
  static const int rc = sodium_init();
  SHOAL_ASSERT(rc >= 0);
}

Key generate_key() {
  crypto_init();
  Key k;
  randombytes_buf(k.data(), k.size());
  return k;
}

std::string key_to_base64(const Key& key) {
  char out[sodium_base64_ENCODED_LEN(kKeyBytes, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(out, sizeof out, key.data(), key.size(), sodium_base64_VARIANT_ORIGINAL);
  return out;
}

Result<Key> key_from_base64(std::string_view text) {
  crypto_init();
  Key k;
  std::size_t len = 0;
  if (sodium_base642bin(k.data(), k.size(), text.data(), text.size(), " \t\r\n", &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len != kKeyBytes) {
    return make_error("key is not 32 bytes of base64; make one with `shoal keygen`");
  }
  return k;
}

std::uint32_t key_id(const Key& key) {
  crypto_init();
  std::uint8_t h[16];
  crypto_generichash(h, sizeof h, key.data(), key.size(), nullptr, 0);
  return get_u32(h);
}

std::uint64_t node_hash(std::string_view name) {
  const std::uint64_t h = XXH3_64bits(name.data(), name.size());
  return h == 0 ? 1 : h;
}

Keyring::Keyring(Key primary) : keys_{primary} { crypto_init(); }

Result<Keyring> Keyring::from_text(std::string_view text) {
  std::vector<Key> keys;
  std::istringstream in{std::string(text)};
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    line.erase(0, line.find_first_not_of(" \t\r"));
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (line.empty()) continue;
    auto k = key_from_base64(line);
    if (!k) return make_error("keyring line " + std::to_string(lineno) + ": " + k.message());
    keys.push_back(*k);
  }
  if (keys.empty()) return make_error("keyring has no keys; add one line from `shoal keygen`");
  Keyring ring(keys.front());
  for (std::size_t i = 1; i < keys.size(); ++i) (void)ring.install(keys[i]);
  return ring;
}

std::string Keyring::to_text() const {
  std::string out = "# shoal keyring: first key is primary\n";
  for (const Key& k : keys_) out += key_to_base64(k) + "\n";
  return out;
}

Status Keyring::install(const Key& key) {
  if (std::find(keys_.begin(), keys_.end(), key) == keys_.end()) keys_.push_back(key);
  return {};
}

Status Keyring::use(const Key& key) {
  auto it = std::find(keys_.begin(), keys_.end(), key);
  if (it == keys_.end()) return make_error("key is not installed; run `shoal keys install KEY` first");
  std::rotate(keys_.begin(), it, it + 1);
  return {};
}

Status Keyring::remove(const Key& key) {
  if (key == keys_.front()) return make_error("cannot remove the primary key; `use` another key first");
  auto it = std::find(keys_.begin(), keys_.end(), key);
  if (it == keys_.end()) return make_error("key is not installed");
  keys_.erase(it);
  return {};
}

Bytes Keyring::seal(const std::uint8_t* plaintext, std::size_t size, const SealHeader& header) const {
  SHOAL_ASSERT(header.channel >= SealChannel::kDatagram && header.channel <= SealChannel::kStreamReply);
  Bytes out(kSealHeaderBytes + size + kSealTagBytes);
  out[0] = kSealFormat;
  put_u32(&out[1], key_id(primary()));
  out[5] = static_cast<std::uint8_t>(header.channel);
  put_u64(&out[6], header.sender_id);
  put_u64(&out[14], header.destination_id);
  put_u64(&out[22], header.epoch);
  put_u64(&out[30], header.counter);
  put_u64(&out[38], header.echo);
  randombytes_buf(&out[kNonceOffset], 24);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(&out[kSealHeaderBytes], &clen, plaintext, size,
                                             out.data(), kSealHeaderBytes, nullptr, &out[kNonceOffset],
                                             primary().data());
  out.resize(kSealHeaderBytes + clen);
  return out;
}

Result<OpenedPacket> Keyring::open(const std::uint8_t* packet, std::size_t size,
                                   DropReason* why) const {
  if (size < kSealOverheadBytes) {
    *why = DropReason::kTruncated;
    return make_error("packet shorter than the seal header");
  }
  if (packet[0] != kSealFormat) {
    *why = DropReason::kUnknownVersion;
    return make_error("unknown seal format " + std::to_string(packet[0]));
  }
  std::uint32_t id = get_u32(&packet[1]);
  const Key* key = nullptr;
  for (const Key& k : keys_)
    if (key_id(k) == id) key = &k;
  if (key == nullptr) {
    *why = DropReason::kUnknownKey;
    return make_error("packet sealed with a key we do not have");
  }
  const std::uint8_t channel = packet[5];
  if (channel < static_cast<std::uint8_t>(SealChannel::kDatagram) ||
      channel > static_cast<std::uint8_t>(SealChannel::kStreamReply)) {
    *why = DropReason::kMalformed;
    return make_error("unknown seal channel " + std::to_string(channel));
  }
  OpenedPacket opened;
  opened.header = SealHeader{static_cast<SealChannel>(channel), get_u64(&packet[6]), get_u64(&packet[14]),
                             get_u64(&packet[22]), get_u64(&packet[30]), get_u64(&packet[38])};
  opened.plaintext.resize(size - kSealOverheadBytes);
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(opened.plaintext.data(), &mlen, nullptr,
                                                 &packet[kSealHeaderBytes], size - kSealHeaderBytes,
                                                 packet, kSealHeaderBytes, &packet[kNonceOffset],
                                                 key->data()) != 0) {
    *why = DropReason::kBadMac;
    return make_error("packet failed authentication");
  }
  opened.plaintext.resize(mlen);
  return opened;
}

}  // namespace shoal
