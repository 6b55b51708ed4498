#include "image/credentials.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace shoal::image {
namespace {

TEST(Credentials, ParsesAuthAndUsernamePassword) {
  // "alice:s3cret:with:colons" in base64: the password may hold colons.
  auto store = CredentialStore::parse(R"({"auths": {
      "https://index.docker.io/v1/": {"auth": "YWxpY2U6czNjcmV0OndpdGg6Y29sb25z"},
      "Registry.Example:5000": {"username": "bob", "password": "pw"},
      "token-only.example": {"identitytoken": "x"}
    }})", "config.json");
  ASSERT_TRUE(store.ok()) << store.message();
  EXPECT_EQ(store->size(), 2u);
  EXPECT_EQ(store->find("docker.io"), (Credentials{"alice", "s3cret:with:colons"}));
  EXPECT_EQ(store->find("registry-1.docker.io"), (Credentials{"alice", "s3cret:with:colons"}));
  EXPECT_EQ(store->find("registry.example:5000"), (Credentials{"bob", "pw"}));
  EXPECT_FALSE(store->find("registry.example").has_value());  // the port is part of the key
  EXPECT_FALSE(store->find("token-only.example").has_value());
}

TEST(Credentials, NoAuthsIsEmpty) {
  auto store = CredentialStore::parse(R"({"credsStore": "desktop"})", "f");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->size(), 0u);
}

TEST(Credentials, ErrorsNeverQuoteTheSecret) {
  const std::vector<std::string> bad = {
      R"({"auths": {"r": {"auth": "%%%SECRETVALUE%%%"}}})",          // not base64
      R"({"auths": {"r": {"auth": "U0VDUkVUVkFMVUU="}}})",            // no colon ("SECRETVALUE")
      R"({"auths": {"r": {"auth": "SECRETVALUE"  }})",               // broken JSON
      R"({"auths": ["SECRETVALUE"]})",
  };
  for (const auto& text : bad) {
    auto store = CredentialStore::parse(text, "/etc/shoal/auth.json");
    ASSERT_FALSE(store.ok()) << text;
    EXPECT_EQ(store.message().find("SECRETVALUE"), std::string::npos) << store.message();
    EXPECT_NE(store.message().find("/etc/shoal/auth.json"), std::string::npos) << store.message();
  }
}

TEST(Credentials, OversizedFileIsRefused) {
  std::string big = R"({"auths": {}, "pad": ")" + std::string(kMaxAuthFileBytes, 'x') + "\"}";
  EXPECT_FALSE(CredentialStore::parse(big, "f").ok());
}

TEST(Credentials, MissingFileIsAnonymous) {
  auto store = CredentialStore::load("/nonexistent/shoal-auth.json");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->size(), 0u);
}

TEST(Credentials, LoadReadsTheFile) {
  std::string path = ::testing::TempDir() + "/shoal-cred-test.json";
  std::ofstream(path) << R"({"auths": {"127.0.0.1:5000": {"auth": "dTpw"}}})";  // u:p
  auto store = CredentialStore::load(path);
  std::remove(path.c_str());
  ASSERT_TRUE(store.ok()) << store.message();
  EXPECT_EQ(store->find("127.0.0.1:5000"), (Credentials{"u", "p"}));
}

TEST(Credentials, BasicHeader) {
  EXPECT_EQ(basic_authorization_header({"u", "p"}), "Authorization: Basic dTpw");
}

TEST(Credentials, NormalizeHost) {
  EXPECT_EQ(normalize_registry_host("https://index.docker.io/v1/"), "docker.io");
  EXPECT_EQ(normalize_registry_host("http://Reg.Example:5000/"), "reg.example:5000");
  EXPECT_EQ(normalize_registry_host("reg.example"), "reg.example");
}

}  // namespace
}  // namespace shoal::image
