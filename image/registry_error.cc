#include "image/registry_error.h"

namespace shoal::image {

std::string_view kind_name(RegistryErrorKind kind) {
  switch (kind) {
    case RegistryErrorKind::kUnreachable: return "registry unreachable";
    case RegistryErrorKind::kServerError: return "registry failing";
    case RegistryErrorKind::kAuthFailed: return "auth failed";
    case RegistryErrorKind::kNotFound: return "not found";
    case RegistryErrorKind::kDigestMismatch: return "digest mismatch";
    case RegistryErrorKind::kTooLarge: return "too large";
    case RegistryErrorKind::kBadResponse: return "bad response";
    case RegistryErrorKind::kLocalIo: return "local I/O error";
  }
  return "unknown error";
}

RegistryError make_registry_error(RegistryErrorKind kind, const ErrorSite& site, int http_status,
                                  std::string_view detail) {
  std::string msg = "registry " + (site.registry.empty() ? std::string("?") : site.registry);
  if (!site.repository.empty()) msg += ", repository " + site.repository;
  if (!site.object.empty()) msg += ", " + site.object;
  msg += ": ";
  msg += kind_name(kind);
  if (http_status != 0) msg += " (HTTP " + std::to_string(http_status) + ")";
  if (!detail.empty()) {
    msg += ": ";
    msg += detail;
  }
  return RegistryError{kind, http_status, std::move(msg)};
}

RegistryError error_for_status(const ErrorSite& site, int http_status, std::string_view detail) {
  SHOAL_ASSERT(http_status < 200 || http_status >= 300);
  RegistryErrorKind kind = RegistryErrorKind::kBadResponse;
  std::string_view hint;
  if (http_status == 401 || http_status == 403) {
    kind = RegistryErrorKind::kAuthFailed;
    hint = "check the credentials for this registry in the registry auth file";
  } else if (http_status == 404) {
    kind = RegistryErrorKind::kNotFound;
    hint = "check the repository name and the tag or digest";
  } else if (http_status == 408 || http_status == 429 || http_status >= 500) {
    // The server answered but cannot serve now; the retry policy treats it as transient.
    kind = RegistryErrorKind::kServerError;
    hint = "the registry is overloaded or failing; try again later";
  }
  std::string text(detail);
  if (!hint.empty()) text += text.empty() ? std::string(hint) : "; " + std::string(hint);
  return make_registry_error(kind, site, http_status, text);
}

}  // namespace shoal::image
