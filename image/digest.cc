#include "image/digest.h"

#include <cstdio>

namespace shoal::image {
namespace {

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// Sodium must be initialised once before use; sodium_init is idempotent and thread-safe.
void ensure_sodium() {
  static const int rc = sodium_init();
  SHOAL_ASSERT(rc >= 0);
}

std::string printable(std::string_view text) {
  constexpr std::size_t kShown = 80;  // a digest is 71 characters; longer input is cut
  std::string out;
  for (char c : text.substr(0, kShown)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > kShown) out += "...";
  return out;
}

}  // namespace

Digest::Digest() : hex_("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") {}

Result<Digest> Digest::parse_hex(std::string_view hex) {
  if (hex.size() != kHexLength) {
    return make_error("digest '" + printable(hex) + "': sha256 needs 64 hex characters, got " +
                      std::to_string(hex.size()));
  }
  for (std::size_t i = 0; i < hex.size(); ++i) {
    if (!is_lower_hex(hex[i])) {
      return make_error("digest '" + printable(hex) + "': character " + std::to_string(i + 1) +
                        " is not lowercase hex (0-9, a-f)");
    }
  }
  return Digest(std::string(hex));
}

Result<Digest> Digest::parse(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return make_error("digest '" + printable(text) + "' has no algorithm; write sha256:<64 hex>");
  }
  const std::string_view algorithm = text.substr(0, colon);
  if (algorithm != kAlgorithm) {
    return make_error("digest '" + printable(text) + "': algorithm '" + printable(algorithm) +
                      "' is not supported (only sha256)");
  }
  return parse_hex(text.substr(colon + 1));
}

Digest Digest::from_raw(const std::array<std::uint8_t, 32>& raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(kHexLength, '0');
  for (std::size_t i = 0; i < raw.size(); ++i) {
    hex[2 * i] = kHex[raw[i] >> 4];
    hex[2 * i + 1] = kHex[raw[i] & 0xf];
  }
  return Digest(std::move(hex));
}

Digest Digest::of(std::string_view bytes) {
  Sha256Hasher hasher;
  hasher.update(bytes);
  return hasher.finish();
}

Sha256Hasher::Sha256Hasher() {
  ensure_sodium();
  crypto_hash_sha256_init(&state_);
}

void Sha256Hasher::update(const void* data, std::size_t size) {
  SHOAL_ASSERT(!finished_);
  crypto_hash_sha256_update(&state_, static_cast<const unsigned char*>(data), size);
  bytes_ += size;
}

void Sha256Hasher::update(std::string_view chunk) { update(chunk.data(), chunk.size()); }

Digest Sha256Hasher::finish() {
  SHOAL_ASSERT(!finished_);
  finished_ = true;
  std::array<std::uint8_t, crypto_hash_sha256_BYTES> raw{};
  crypto_hash_sha256_final(&state_, raw.data());
  return Digest::from_raw(raw);
}

}  // namespace shoal::image
