#include "image/bearer_token.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace shoal::image {

Result<BearerToken> parse_token_response(std::string_view body, std::int64_t now_ms) {
  if (body.size() > kMaxTokenResponseBytes) {
    return make_error("token server answer is " + std::to_string(body.size()) + " bytes (limit " +
                      std::to_string(kMaxTokenResponseBytes) + ")");
  }
  auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return make_error("token server answer is not a JSON object");
  }
  // Docker's servers send "token"; OAuth2-style ones send "access_token"; both are accepted.
  std::string token;
  for (const char* field : {"token", "access_token"}) {
    auto it = doc.find(field);
    if (it != doc.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
      token = it->get<std::string>();
      break;
    }
  }
  if (token.empty()) return make_error("token server answer has no 'token'");
  std::int64_t lifetime_ms = kDefaultTokenLifetimeMs;
  if (auto it = doc.find("expires_in"); it != doc.end() && it->is_number_integer()) {
    // Clamp: a negative or absurd lifetime from an untrusted server must not overflow.
    std::int64_t s = std::clamp<std::int64_t>(it->get<std::int64_t>(), 0, 24 * 3600);
    lifetime_ms = s * 1000;
  }
  return BearerToken{std::move(token), now_ms + lifetime_ms};
}

std::string TokenCache::key(std::string_view realm, std::string_view service,
                            std::string_view scope) {
  std::string k;
  k.reserve(realm.size() + service.size() + scope.size() + 2);
  k.append(realm).push_back('\n');
  k.append(service).push_back('\n');
  k.append(scope);
  return k;
}

std::optional<std::string> TokenCache::get(const std::string& key, std::int64_t now_ms) const {
  auto it = tokens_.find(key);
  if (it == tokens_.end() || now_ms + kTokenExpiryMarginMs >= it->second.expires_at_ms) {
    return std::nullopt;
  }
  return it->second.token;
}

void TokenCache::put(const std::string& key, BearerToken token) {
  if (tokens_.size() >= kMaxCachedTokens && tokens_.find(key) == tokens_.end()) {
    auto oldest = std::min_element(tokens_.begin(), tokens_.end(), [](const auto& a, const auto& b) {
      return a.second.expires_at_ms < b.second.expires_at_ms;
    });
    tokens_.erase(oldest);
  }
  tokens_.insert_or_assign(key, std::move(token));
  SHOAL_ASSERT(tokens_.size() <= kMaxCachedTokens);
}

}  // namespace shoal::image
