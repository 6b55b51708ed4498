// Bearer tokens of the Docker token protocol: parsing the token server's answer (untrusted,
// bounded) and a per-scope cache. Pure: time is an input (`now_ms`, any monotonic clock).
//   token server answer: {"token": "...", "access_token": "...", "expires_in": 300, ...}
// Tokens are secrets: they are never put in an error message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace shoal::image {

// A token answer larger than this is refused: JWTs with a few scopes are 1-4 KiB.
inline constexpr std::size_t kMaxTokenResponseBytes = 64 * 1024;
// The distribution spec's default lifetime when the server omits `expires_in`.
inline constexpr std::int64_t kDefaultTokenLifetimeMs = 60'000;
// A token is not reused in the last 5 s of its life: a request that starts just before expiry
// would reach the registry with a stale token and cost a 401 plus a new token anyway.
inline constexpr std::int64_t kTokenExpiryMarginMs = 5'000;
// At most this many cached tokens; the one expiring first is evicted. One per repository the
// node pulls from is typical; 256 bounds memory if a caller cycles through many.
inline constexpr std::size_t kMaxCachedTokens = 256;

struct BearerToken {
  std::string token;
  std::int64_t expires_at_ms = 0;
};

// Parses the token server's JSON answer received at `now_ms`.
Result<BearerToken> parse_token_response(std::string_view body, std::int64_t now_ms);

class TokenCache {
 public:
  // Key: realm + service + scope (a token is valid only for what it was issued for).
  static std::string key(std::string_view realm, std::string_view service, std::string_view scope);

  std::optional<std::string> get(const std::string& key, std::int64_t now_ms) const;
  void put(const std::string& key, BearerToken token);
  void erase(const std::string& key) { tokens_.erase(key); }
  std::size_t size() const { return tokens_.size(); }

 private:
  std::map<std::string, BearerToken> tokens_;
};

}  // namespace shoal::image
