#include "image/digest.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <unordered_set>

namespace shoal::image {
namespace {

constexpr std::string_view kEmptySha =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kAbcSha =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(Digest, KnownVectors) {
  EXPECT_EQ(Digest::of("").hex(), kEmptySha);
  EXPECT_EQ(Digest::of("abc").to_string(), "sha256:" + std::string(kAbcSha));
  // FIPS 180-2's two-block message.
  EXPECT_EQ(Digest::of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hex(),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Digest, ParseRoundTrip) {
  auto d = Digest::parse("sha256:" + std::string(kAbcSha));
  ASSERT_TRUE(d) << d.message();
  EXPECT_EQ(d->hex(), kAbcSha);
  EXPECT_EQ(d->to_string(), "sha256:" + std::string(kAbcSha));
  EXPECT_EQ(d->short_hex(), "ba7816bf8f01");
  EXPECT_EQ(*d, Digest::of("abc"));
}

TEST(Digest, RejectsBadText) {
  const std::string hex(kAbcSha);
  struct Case { std::string text; std::string error_part; };
  const Case cases[] = {
      {"", "no algorithm"},
      {hex, "no algorithm"},
      {"sha512:" + hex, "not supported"},
      {"SHA256:" + hex, "not supported"},
      {"sha256:", "64 hex characters, got 0"},
      {"sha256:" + hex.substr(1), "got 63"},
      {"sha256:" + hex + "0", "got 65"},
      {"sha256:" + hex.substr(0, 63) + "A", "character 64 is not lowercase hex"},
      {"sha256:" + hex.substr(0, 10) + "g" + hex.substr(11), "character 11"},
      {"sha256:" + std::string(64, '\0'), "not lowercase hex"},
      {"sha256: " + hex.substr(1), "character 1"},
  };
  for (const auto& c : cases) {
    auto d = Digest::parse(c.text);
    ASSERT_FALSE(d) << c.text;
    EXPECT_NE(d.message().find(c.error_part), std::string::npos) << d.message();
  }
}

TEST(Digest, ParseHex) {
  EXPECT_TRUE(Digest::parse_hex(kEmptySha));
  EXPECT_FALSE(Digest::parse_hex("sha256:" + std::string(kEmptySha)));
}

TEST(Digest, HashableAndOrdered) {
  std::unordered_set<Digest> set{Digest::of("a"), Digest::of("b"), Digest::of("a")};
  EXPECT_EQ(set.size(), 2u);
  EXPECT_LT(Digest::of("abc"), Digest::of(""));  // "ba78..." < "e3b0..."
}

TEST(Sha256Hasher, CountsBytes) {
  Sha256Hasher h;
  h.update("ab");
  h.update("c");
  EXPECT_EQ(h.bytes(), 3u);
  EXPECT_EQ(h.finish(), Digest::of("abc"));
}

TEST(Sha256HasherDeathTest, UseAfterFinishAborts) {
  Sha256Hasher h;
  (void)h.finish();
  EXPECT_DEATH(h.update("x"), "finished_");
}

// Law: however a blob arrives in chunks, the digest is that of the whole.
RC_GTEST_PROP(Sha256Hasher, ChunkingDoesNotMatter, (const std::string& data,
                                                    const std::vector<std::size_t>& cuts)) {
  Sha256Hasher h;
  std::size_t pos = 0;
  for (std::size_t cut : cuts) {
    const std::size_t n = data.empty() ? 0 : cut % (data.size() - pos + 1);
    h.update(std::string_view(data).substr(pos, n));
    pos += n;
  }
  h.update(std::string_view(data).substr(pos));
  RC_ASSERT(h.bytes() == data.size());
  RC_ASSERT(h.finish() == Digest::of(data));
}

// Law: to_string and parse are inverse.
RC_GTEST_PROP(Digest, ParseOfToStringIsIdentity, (const std::string& data)) {
  const Digest d = Digest::of(data);
  auto back = Digest::parse(d.to_string());
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == d);
}

}  // namespace
}  // namespace shoal::image
