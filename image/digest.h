// Digest: the content address of a blob, manifest or layer ("sha256:" + 64 lowercase hex).
// Only sha256 is accepted: it is what every OCI/Docker registry and tool writes, and one
// algorithm keeps the store's paths (blobs/sha256/<hex>) and equality trivial. A Digest always
// holds a valid value: the only ways to get one are parse() (untrusted text, checked) and
// hashing bytes.
#pragma once

#include <sodium.h>

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace shoal::image {

class Digest {
 public:
  static constexpr std::string_view kAlgorithm = "sha256";
  static constexpr std::size_t kHexLength = 64;

  // The digest of zero bytes, so aggregates holding a Digest can be default-built and still
  // never hold an invalid value.
  Digest();

  // "sha256:<64 lowercase hex>". Errors name what is wrong (algorithm, length, character).
  static Result<Digest> parse(std::string_view text);
  // Only the 64 hex characters (store paths, `docker save` layer names).
  static Result<Digest> parse_hex(std::string_view hex);
  // SHA-256 of `bytes` in one go (manifests, configs: small, already in memory).
  static Digest of(std::string_view bytes);
  static Digest from_raw(const std::array<std::uint8_t, 32>& raw);

  const std::string& hex() const { return hex_; }
  std::string to_string() const { return std::string(kAlgorithm) + ":" + hex_; }
  // First 12 hex characters, as `docker images` shows ids (display only, never for lookups).
  std::string short_hex() const { return hex_.substr(0, 12); }

  auto operator<=>(const Digest&) const = default;
  bool operator==(const Digest&) const = default;

 private:
  explicit Digest(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

// Incremental SHA-256 (libsodium) for blobs streamed from the network or a file: feed the
// chunks with update(), then finish() once. The byte count is kept so callers can check the
// descriptor's size with the same pass.
class Sha256Hasher {
 public:
  Sha256Hasher();
  void update(std::string_view chunk);
  void update(const void* data, std::size_t size);
  // Ends the hash; the hasher may not be used afterwards (asserted).
  Digest finish();
  std::uint64_t bytes() const { return bytes_; }

 private:
  crypto_hash_sha256_state state_;
  std::uint64_t bytes_ = 0;
  bool finished_ = false;
};

}  // namespace shoal::image

template <>
struct std::hash<shoal::image::Digest> {
  std::size_t operator()(const shoal::image::Digest& d) const noexcept {
    return std::hash<std::string>{}(d.hex());
  }
};
