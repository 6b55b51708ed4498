// Errors of the registry client: what went wrong, classified so a caller can act on the kind
// (the node core shows it as a task's `preparing` reason; the retry policy decides on it) and
// worded so a user can act on the message. Every message names the registry and, where there is
// one, the repository and the HTTP status. Credentials never appear in a message: the client
// builds messages from host, repository and status only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace shoal::image {

enum class RegistryErrorKind {
  kUnreachable,     // connect refused, DNS, TLS handshake, timeouts, connection cut mid-body
  kServerError,     // the registry answered 408, 429 or 5xx: up, but cannot serve now
  kAuthFailed,      // 401/403 after the auth dance, or the token server refused
  kNotFound,        // 404: no such repository, tag, manifest or blob
  kDigestMismatch,  // bytes whose SHA-256 is not the digest that was asked for or announced
  kTooLarge,        // a manifest, token or blob larger than its bound
  kBadResponse,     // a status or body the protocol does not allow (5xx, bad JSON, bad header)
  kLocalIo,         // the local file a blob is written to (disk full, permissions)
};

inline constexpr std::size_t kRegistryErrorKinds = 8;  // the enumerators above
static_assert(static_cast<std::size_t>(RegistryErrorKind::kLocalIo) + 1 == kRegistryErrorKinds,
              "kLocalIo must stay last: counters are indexed by kind");

// "registry unreachable", "auth failed", ... (stable words for status displays and tests).
std::string_view kind_name(RegistryErrorKind kind);

struct RegistryError {
  RegistryErrorKind kind = RegistryErrorKind::kBadResponse;
  int http_status = 0;  // 0 when no HTTP answer was received
  std::string message;  // "registry 127.0.0.1:5000, repository x: auth failed (HTTP 401): ..."

  Error to_error() const { return Error{message}; }
};

// A registry operation's result is Result<T, RegistryError>; this is its Status.
using RegistryStatus = Result<void, RegistryError>;

// Where an error happened; each field is optional (empty = not applicable).
struct ErrorSite {
  std::string registry;    // host[:port]
  std::string repository;  // "library/busybox"
  std::string object;      // "manifest latest", "blob sha256:..." (never a URL with a query)
};

// "registry R, repository P, blob D: <kind>[ (HTTP S)]: detail".
RegistryError make_registry_error(RegistryErrorKind kind, const ErrorSite& site, int http_status,
                                  std::string_view detail);

// Classifies a final HTTP status (after auth and redirects) into an error with a hint for the
// user; `detail` is what the registry said (may be empty). 2xx is a bug here.
RegistryError error_for_status(const ErrorSite& site, int http_status, std::string_view detail);

}  // namespace shoal::image
