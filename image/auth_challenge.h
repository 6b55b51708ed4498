// The `WWW-Authenticate` header of a 401 (RFC 7235): one or more challenges, each a scheme and
// auth-params, e.g.
//   Bearer realm="https://auth.example/token",service="registry.example",scope="repository:x:pull"
//   Basic realm="Registry Realm"
// Pure parser over untrusted bytes: the header is bounded before it is parsed, malformed input
// is an error value (never a crash), and parameter names are compared case-insensitively.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shoal::image {

// A header longer than this is refused unparsed: real challenges are a few hundred bytes (realm
// URL + service + scope); 8 KiB leaves room for many scopes while bounding the work per 401.
inline constexpr std::size_t kMaxChallengeHeaderBytes = 8 * 1024;
// At most this many auth-params per challenge (realm, service, scope, error, error_description
// are all the registry protocol uses).
inline constexpr std::size_t kMaxChallengeParams = 16;

struct AuthChallenge {
  std::string scheme;                         // lower-cased: "bearer", "basic"
  std::map<std::string, std::string> params;  // names lower-cased, values unquoted

  std::optional<std::string> param(const std::string& name) const;
  bool operator==(const AuthChallenge&) const = default;
};

Result<std::vector<AuthChallenge>> parse_auth_challenges(std::string_view header);

// The first challenge of `scheme` (lower-case), if any.
std::optional<AuthChallenge> find_challenge(const std::vector<AuthChallenge>& challenges,
                                            std::string_view scheme);

}  // namespace shoal::image
