// RegistryClient over HTTP(S) (libcurl): the OCI Distribution API (`/v2/<name>/manifests/<ref>`,
// `/v2/<name>/blobs/<digest>`) with anonymous, basic and bearer-token auth, per-registry TLS
// options and retries with backoff. The decisions are pure pieces, each tested on its own:
// auth_challenge (WWW-Authenticate), bearer_token (token answer + per-scope cache),
// retry_policy (backoff), blob_resume (Range). This file is the shell that sequences them.
//
// Auth dance per request: send with what is known for the registry (a cached bearer token for
// the scope, or basic credentials); on 401 read the challenge, get a token from its realm (with
// the registry's credentials, if any) or use basic credentials, and send once more. A second
// 401/403 is "auth failed"; it is never retried further.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "image/bearer_token.h"
#include "image/credentials.h"
#include "image/http_fetch.h"
#include "image/registry_client.h"
#include "image/retry_policy.h"

namespace shoal::image {

// Per-registry options (keyed by host[:port] in HttpRegistryClientConfig::registries).
struct RegistryHostOptions {
  // Docker's `insecure-registries`: try HTTPS without verifying the certificate, and fall back
  // to plain HTTP when the registry does not speak TLS. Default false: HTTPS, verified.
  bool insecure = false;
  // PEM CA bundle that signs this registry's certificate (a private CA). Empty: the system CA
  // store (/etc/ssl/certs), as every other HTTPS client on the host.
  std::string ca_file;
};

struct HttpRegistryClientConfig {
  std::map<std::string, RegistryHostOptions> registries;  // host[:port] -> options
  CredentialStore credentials;                             // from --registry-auth-file
  RetryConfig retry;
  HttpTransportOptions transport;  // timeouts and bandwidth (ca/verify come from `registries`)
  // The shell's clock and sleep; tests may shorten them. Defaults: steady_clock, sleep_for.
  std::function<std::int64_t()> now_ms;
  std::function<void(std::uint32_t ms)> sleep_ms;
};

// What the client has seen, for metrics: every failed attempt (retried or not) is counted by
// kind, so damaged answers that a retry hid still show up.
struct RegistryClientCounters {
  std::uint64_t attempts = 0;                                  // request attempts, auth excluded
  std::uint64_t retries = 0;                                   // attempts after a failure
  std::uint64_t tokens_fetched = 0;                            // bearer tokens from a realm
  std::uint64_t blob_bytes_received = 0;                       // blob body bytes from registries
  std::array<std::uint64_t, kRegistryErrorKinds> failed = {};  // by RegistryErrorKind
  std::uint64_t failed_of(RegistryErrorKind k) const { return failed[static_cast<std::size_t>(k)]; }
};

class HttpRegistryClient final : public RegistryClient {
 public:
  explicit HttpRegistryClient(HttpRegistryClientConfig config);

  RegistryClientCounters counters() const;

  Result<Descriptor, RegistryError> resolve(const Reference& ref) override;
  Result<FetchedManifest, RegistryError> fetch_manifest(const Reference& ref) override;
  Result<BlobFetchStats, RegistryError> fetch_blob(const Reference& ref, const Descriptor& blob,
                                                   const std::string& dest_path) override;

 private:
  // How the last 401 of a registry asked to authenticate (so later requests send it at once).
  struct AuthHint {
    std::string scheme;  // "bearer" or "basic"
    std::string realm;
    std::string service;
  };

  // One request with the auth dance; transport errors come back as errors, HTTP statuses as
  // responses (the caller classifies non-2xx).
  Result<HttpResponse, RegistryError> send(const Reference& repo, const ErrorSite& site,
                                           HttpRequest request, const BodySink& sink,
                                           const HeadHook& on_head);
  // One attempt over the registry's scheme(s): https, or for `insecure` https then http.
  Result<HttpResponse, RegistryError> send_once(const Reference& repo, const ErrorSite& site,
                                                HttpRequest request, const BodySink& sink,
                                                const HeadHook& on_head);
  // The Authorization header for this registry and repository, if one is known.
  std::optional<std::string> authorization(const Reference& repo);
  RegistryStatus authenticate(const Reference& repo, const ErrorSite& site,
                              const HttpResponse& unauthorized);
  RegistryStatus fetch_token(const Reference& repo, const ErrorSite& site,
                             const AuthHint& hint, const std::string& scope);

  template <typename T>
  Result<T, RegistryError> with_retries(const std::function<Result<T, RegistryError>()>& attempt);

  // nullopt: the registry sent no Docker-Content-Digest.
  Result<std::optional<Descriptor>, RegistryError> head_manifest(const Reference& ref);
  Result<BlobFetchStats, RegistryError> fetch_blob_once(const Reference& repo,
                                                        const Descriptor& blob,
                                                        const std::string& partial_path,
                                                        BlobFetchStats& stats);

  HttpTransportOptions transport_for(const std::string& registry, bool verify) const;
  static std::string scope_for(const Reference& repo);

  HttpRegistryClientConfig config_;
  mutable std::mutex mu_;  // guards the five below; never held across a request
  TokenCache tokens_;
  std::map<std::string, AuthHint> auth_hints_;  // registry -> how it asked last
  std::set<std::string> plain_http_;            // insecure registries found to speak plain HTTP
  std::set<std::string> tls_seen_;              // registries that answered over HTTPS
  RegistryClientCounters counters_;
};

}  // namespace shoal::image
