// The pre-auth check's parser: the token is found in the first bytes of any request the CLI
// encodes, and no prefix of a request is mistaken for a complete token.
#include "agent/api_server.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal {
namespace {

RC_GTEST_PROP(ApiTokenPrefix, FindsTheTokenOfEveryEncodedRequest, ()) {
  const auto token = *rc::gen::container<std::string>(*rc::gen::inRange<std::size_t>(0, 70000), rc::gen::arbitrary<char>());
  const auto argv = *rc::gen::container<std::vector<std::string>>(rc::gen::arbitrary<std::string>());
  const Bytes body = encode_request({token, argv});
  auto full = parse_token_prefix(body.data(), body.size());
  RC_ASSERT(full.ok());
  RC_ASSERT(full->complete);
  RC_ASSERT(full->token == token);
  // Any strict prefix that ends before the token does is "need more", never a wrong token.
  const auto cut = *rc::gen::inRange<std::size_t>(0, body.size());
  auto part = parse_token_prefix(body.data(), cut);
  RC_ASSERT(part.ok());
  if (part->complete) RC_ASSERT(part->token == token);
}

TEST(ApiTokenPrefix, GarbageIsAnError) {
  const std::uint8_t junk[] = {0x00, 0x00, 0x10, 0x00};
  EXPECT_FALSE(parse_token_prefix(junk, sizeof junk).ok());
  const std::uint8_t not_a_string[] = {0x92, 0x05};
  EXPECT_FALSE(parse_token_prefix(not_a_string, sizeof not_a_string).ok());
}

}  // namespace
}  // namespace shoal
