// Registry credentials from a Docker `config.json` (`--registry-auth-file`):
//   {"auths": {"registry.example:5000": {"auth": "<base64 user:password>"},
//              "https://index.docker.io/v1/": {"username": "u", "password": "p"}}}
// Keys may carry a scheme and a path (docker login writes "https://index.docker.io/v1/"); they
// are matched by host[:port] only. `identitytoken`, `credsStore` and `credHelpers` are not
// supported (they need an external helper binary); entries with only those are skipped.
//
// Secrets: a Credentials value has no printer, parse errors name the file and the key but never
// quote its content (nlohmann's own messages would: they are not used), and the file is bounded
// before it is parsed.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace shoal::image {

// An auth file larger than this is refused: one entry is ~100 bytes, so 1 MiB holds thousands.
inline constexpr std::size_t kMaxAuthFileBytes = 1024 * 1024;

struct Credentials {
  std::string username;
  std::string password;
  bool operator==(const Credentials&) const = default;
};

class CredentialStore {
 public:
  // Parses the JSON text of a config.json; `origin` (a file name) is used in error messages.
  static Result<CredentialStore> parse(std::string_view json_text, std::string_view origin);
  // Reads and parses a file; a missing file is an empty store (anonymous pulls).
  static Result<CredentialStore> load(const std::string& path);

  // Credentials for `registry` (host[:port]); docker.io's aliases match each other.
  std::optional<Credentials> find(std::string_view registry) const;
  void set(std::string_view registry, Credentials credentials);
  std::size_t size() const { return by_host_.size(); }

 private:
  std::map<std::string, Credentials> by_host_;  // key: normalized host[:port]
};

// The "Authorization: Basic ..." header line for `c` (a secret: never log it).
std::string basic_authorization_header(const Credentials& c);

// "https://index.docker.io/v1/" -> "docker.io"; "Registry.Example:5000/" -> "registry.example:5000".
std::string normalize_registry_host(std::string_view key);

}  // namespace shoal::image
