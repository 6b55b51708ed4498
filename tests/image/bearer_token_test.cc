#include "image/bearer_token.h"

#include <gtest/gtest.h>

namespace shoal::image {
namespace {

TEST(BearerToken, ParseTable) {
  struct Case {
    const char* body;
    bool ok;
    std::string token;
    std::int64_t expires_at_ms;
  };
  const std::int64_t now = 1'000'000;
  const std::vector<Case> cases = {
      {R"({"token":"abc","expires_in":300})", true, "abc", now + 300'000},
      {R"({"access_token":"xyz"})", true, "xyz", now + kDefaultTokenLifetimeMs},
      {R"({"token":"a","access_token":"b"})", true, "a", now + kDefaultTokenLifetimeMs},
      {R"({"token":"a","expires_in":-5})", true, "a", now},                 // clamped
      {R"({"token":"a","expires_in":99999999999})", true, "a", now + 86'400'000},
      {R"({"token":""})", false, "", 0},
      {R"({"expires_in":3})", false, "", 0},
      {R"(["token"])", false, "", 0},
      {R"(not json)", false, "", 0},
  };
  for (const auto& c : cases) {
    auto got = parse_token_response(c.body, now);
    ASSERT_EQ(got.ok(), c.ok) << c.body;
    if (!c.ok) continue;
    EXPECT_EQ(got->token, c.token) << c.body;
    EXPECT_EQ(got->expires_at_ms, c.expires_at_ms) << c.body;
  }
}

TEST(BearerToken, OversizedAnswerIsRefused) {
  std::string body = R"({"token":")" + std::string(kMaxTokenResponseBytes, 'a') + "\"}";
  EXPECT_FALSE(parse_token_response(body, 0).ok());
}

TEST(TokenCache, PerScopeWithExpiryMargin) {
  TokenCache cache;
  auto k1 = TokenCache::key("https://auth", "reg", "repository:a:pull");
  auto k2 = TokenCache::key("https://auth", "reg", "repository:b:pull");
  cache.put(k1, BearerToken{"t1", 100'000});
  EXPECT_EQ(cache.get(k1, 0), "t1");
  EXPECT_FALSE(cache.get(k2, 0).has_value());  // another scope needs its own token
  EXPECT_EQ(cache.get(k1, 100'000 - kTokenExpiryMarginMs - 1), "t1");
  EXPECT_FALSE(cache.get(k1, 100'000 - kTokenExpiryMarginMs).has_value());
}

TEST(TokenCache, BoundedEvictsEarliestExpiry) {
  TokenCache cache;
  for (std::size_t i = 0; i < kMaxCachedTokens; ++i) {
    cache.put("k" + std::to_string(i), BearerToken{"t", static_cast<std::int64_t>(1'000'000 + i)});
  }
  cache.put("new", BearerToken{"t", 2'000'000});
  EXPECT_EQ(cache.size(), kMaxCachedTokens);
  EXPECT_FALSE(cache.get("k0", 0).has_value());  // the one expiring first went
  EXPECT_TRUE(cache.get("k1", 0).has_value());
  EXPECT_TRUE(cache.get("new", 0).has_value());
}

}  // namespace
}  // namespace shoal::image
