#include "image/registry_error.h"

#include <gtest/gtest.h>

namespace shoal::image {
namespace {

TEST(RegistryError, StatusTable) {
  const ErrorSite site{"reg.example:5000", "team/app", "manifest v1"};
  struct Case {
    int status;
    RegistryErrorKind kind;
    const char* words;
  };
  const std::vector<Case> cases = {
      {401, RegistryErrorKind::kAuthFailed, "auth failed (HTTP 401)"},
      {403, RegistryErrorKind::kAuthFailed, "auth failed (HTTP 403)"},
      {404, RegistryErrorKind::kNotFound, "not found (HTTP 404)"},
      {429, RegistryErrorKind::kServerError, "(HTTP 429)"},
      {503, RegistryErrorKind::kServerError, "(HTTP 503)"},
      {400, RegistryErrorKind::kBadResponse, "bad response (HTTP 400)"},
  };
  for (const auto& c : cases) {
    auto e = error_for_status(site, c.status, "");
    EXPECT_EQ(e.kind, c.kind) << c.status;
    EXPECT_EQ(e.http_status, c.status);
    EXPECT_NE(e.message.find(c.words), std::string::npos) << e.message;
    EXPECT_EQ(e.message.rfind("registry reg.example:5000, repository team/app, manifest v1: ", 0), 0u)
        << e.message;
  }
}

TEST(RegistryError, UnreachableNamesTheRegistry) {
  auto e = make_registry_error(RegistryErrorKind::kUnreachable, {"10.0.0.9:5000", "x", ""}, 0,
                               "Connection refused");
  EXPECT_EQ(e.message, "registry 10.0.0.9:5000, repository x: registry unreachable: Connection refused");
}

}  // namespace
}  // namespace shoal::image
