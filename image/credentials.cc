#include "image/credentials.h"

#include <sodium.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

namespace shoal::image {
namespace {

using nlohmann::json;

// base64 "user:password" -> Credentials; errors say what is wrong, not what was there.
Result<Credentials> decode_auth(const std::string& b64) {
  std::vector<unsigned char> bin(b64.size());
  std::size_t len = 0;
  if (sodium_base642bin(bin.data(), bin.size(), b64.data(), b64.size(), "\n\r ", &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return make_error("'auth' is not valid base64");
  }
  std::string text(reinterpret_cast<const char*>(bin.data()), len);
  sodium_memzero(bin.data(), bin.size());
  auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) {
    return make_error("'auth' does not decode to user:password");
  }
  return Credentials{text.substr(0, colon), text.substr(colon + 1)};
}

Result<std::optional<Credentials>> entry_credentials(const json& entry) {
  if (!entry.is_object()) return make_error("entry is not an object");
  if (auto it = entry.find("auth"); it != entry.end() && it->is_string() &&
                                    !it->get_ref<const std::string&>().empty()) {
    auto c = decode_auth(it->get<std::string>());
    if (!c) return c.error();
    return std::optional<Credentials>(std::move(c.value()));
  }
  auto u = entry.find("username");
  auto p = entry.find("password");
  if (u != entry.end() && p != entry.end() && u->is_string() && p->is_string()) {
    return std::optional<Credentials>(Credentials{u->get<std::string>(), p->get<std::string>()});
  }
  return std::optional<Credentials>{};  // identitytoken only, or empty: not usable here
}

}  // namespace

std::string normalize_registry_host(std::string_view key) {
  if (auto p = key.find("://"); p != std::string_view::npos) key.remove_prefix(p + 3);
  if (auto p = key.find('/'); p != std::string_view::npos) key = key.substr(0, p);
  std::string host(key);
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (host == "index.docker.io" || host == "registry-1.docker.io" || host == "registry.hub.docker.com") {
    return "docker.io";
  }
  return host;
}

Result<CredentialStore> CredentialStore::parse(std::string_view json_text, std::string_view origin) {
  const std::string where = "registry auth file " + std::string(origin);
  if (json_text.size() > kMaxAuthFileBytes) {
    return make_error(where + ": " + std::to_string(json_text.size()) + " bytes, limit " +
                      std::to_string(kMaxAuthFileBytes));
  }
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return make_error(where + ": not a JSON object (expected Docker's config.json format)");
  }
  CredentialStore store;
  auto auths = doc.find("auths");
  if (auths == doc.end()) return store;
  if (!auths->is_object()) return make_error(where + ": 'auths' is not an object");
  for (const auto& [key, entry] : auths->items()) {
    auto creds = entry_credentials(entry);
    if (!creds) return make_error(where + ": auths[\"" + key + "\"]: " + creds.message());
    if (creds.value()) store.set(key, std::move(*creds.value()));
  }
  return store;
}

Result<CredentialStore> CredentialStore::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return CredentialStore{};
    return make_error("registry auth file " + path + ": cannot read it");
  }
  // Bounded read: at most one byte more than the limit, so an oversized file is detected
  // without reading it all.
  std::string text(kMaxAuthFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  auto store = parse(text, path);
  sodium_memzero(text.data(), text.size());
  return store;
}

std::string basic_authorization_header(const Credentials& c) {
  std::string plain = c.username + ":" + c.password;
  std::string b64(sodium_base64_encoded_len(plain.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(plain.data()),
                    plain.size(), sodium_base64_VARIANT_ORIGINAL);
  sodium_memzero(plain.data(), plain.size());
  b64.resize(b64.size() - 1);  // the encoder's NUL terminator
  return "Authorization: Basic " + b64;
}

std::optional<Credentials> CredentialStore::find(std::string_view registry) const {
  auto it = by_host_.find(normalize_registry_host(registry));
  if (it == by_host_.end()) return std::nullopt;
  return it->second;
}

void CredentialStore::set(std::string_view registry, Credentials credentials) {
  by_host_.insert_or_assign(normalize_registry_host(registry), std::move(credentials));
}

}  // namespace shoal::image
