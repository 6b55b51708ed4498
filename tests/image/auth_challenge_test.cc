#include "image/auth_challenge.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal::image {
namespace {

using Params = std::map<std::string, std::string>;

struct Case {
  const char* header;
  std::vector<AuthChallenge> want;  // empty: a parse error is expected
};

TEST(AuthChallenge, Table) {
  const std::vector<Case> cases = {
      {R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push")",
       {{"bearer", Params{{"realm", "https://auth.docker.io/token"},
                          {"service", "registry.docker.io"},
                          {"scope", "repository:samalba/my-app:pull,push"}}}}},
      {R"(Basic realm="Registry Realm")", {{"basic", Params{{"realm", "Registry Realm"}}}}},
      // Case-insensitive scheme and names, spaces around '=' and commas, token values.
      {R"(BEARER  Realm = "http://127.0.0.1:1/t" , Service=reg ,scope=x)",
       {{"bearer", Params{{"realm", "http://127.0.0.1:1/t"}, {"service", "reg"}, {"scope", "x"}}}}},
      // Escaped quote inside a quoted string.
      {R"(Bearer realm="a\"b")", {{"bearer", Params{{"realm", "a\"b"}}}}},
      // Two challenges in one header.
      {R"(Basic realm="r1", Bearer realm="https://t/x",service="s")",
       {{"basic", Params{{"realm", "r1"}}},
        {"bearer", Params{{"realm", "https://t/x"}, {"service", "s"}}}}},
      // The error params a registry adds when a token lacks a scope.
      {R"(Bearer realm="https://t",service="s",scope="repository:x:pull",error="insufficient_scope")",
       {{"bearer", Params{{"realm", "https://t"}, {"service", "s"}, {"scope", "repository:x:pull"},
                          {"error", "insufficient_scope"}}}}},
      // A scheme with no params.
      {"Negotiate", {{"negotiate", Params{}}}},
      // token68.
      {"Negotiate abc/def==", {{"negotiate", Params{{"token68", "abc/def=="}}}}},
      // Malformed.
      {"", {}},
      {R"(Bearer realm="unterminated)", {}},
      {R"(Bearer realm=)", {}},
      {R"(Bearer ="x")", {}},
      {R"(="x")", {}},
  };
  for (const auto& c : cases) {
    auto got = parse_auth_challenges(c.header);
    if (c.want.empty()) {
      EXPECT_FALSE(got.ok()) << c.header;
    } else {
      ASSERT_TRUE(got.ok()) << c.header << ": " << got.message();
      EXPECT_EQ(got.value(), c.want) << c.header;
    }
  }
}

TEST(AuthChallenge, OversizedHeaderIsRefusedUnparsed) {
  std::string h = "Bearer realm=\"" + std::string(kMaxChallengeHeaderBytes, 'a') + "\"";
  auto got = parse_auth_challenges(h);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.message().find("limit"), std::string::npos);
}

TEST(AuthChallenge, TooManyParamsIsAnError) {
  std::string h = "Bearer ";
  for (std::size_t i = 0; i <= kMaxChallengeParams; ++i) h += "p" + std::to_string(i) + "=v,";
  EXPECT_FALSE(parse_auth_challenges(h).ok());
}

TEST(AuthChallenge, FindChallengePicksTheScheme) {
  auto got = parse_auth_challenges(R"(Basic realm="r", Bearer realm="https://t")");
  ASSERT_TRUE(got.ok());
  auto b = find_challenge(*got, "bearer");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->param("realm"), "https://t");
  EXPECT_FALSE(find_challenge(*got, "digest").has_value());
}

// Untrusted bytes never crash the parser and never take more than linear work.
RC_GTEST_PROP(AuthChallenge, ArbitraryBytesAreAValueOrAnError, (const std::string& header)) {
  auto got = parse_auth_challenges(header);
  if (got.ok()) RC_ASSERT(!got->empty());
}

RC_GTEST_PROP(AuthChallenge, QuotedValuesRoundTrip, (const std::string& value)) {
  std::string quoted;
  for (char c : value) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  auto got = parse_auth_challenges("Bearer realm=\"" + quoted + "\"");
  RC_ASSERT(got.ok());
  RC_ASSERT(got->size() == 1u);
  RC_ASSERT((*got)[0].param("realm") == std::optional<std::string>(value));
}

}  // namespace
}  // namespace shoal::image
