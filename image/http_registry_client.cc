#include "image/http_registry_client.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "image/auth_challenge.h"
#include "image/blob_resume.h"

namespace shoal::image {
namespace {

// The manifest a reference names: its digest when pinned, else its tag.
std::string manifest_ref(const Reference& ref) {
  return ref.digest ? ref.digest->to_string() : ref.tag;
}

std::string accept_header() {
  return "Accept: " + std::string(kMediaTypeOciManifest) + ", " + std::string(kMediaTypeOciIndex) +
         ", " + std::string(kMediaTypeDockerManifest) + ", " +
         std::string(kMediaTypeDockerManifestList);
}

std::string media_type_of(const HttpResponse& r) {
  const std::string* ct = r.header("content-type");
  if (ct == nullptr) return {};
  std::string t = ct->substr(0, ct->find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t;
}

// What the registry said in its JSON error body ({"errors":[{"code","message"}]}), bounded.
std::string registry_said(const HttpResponse& r) {
  auto doc = nlohmann::json::parse(r.error_body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return {};
  auto errors = doc.find("errors");
  if (errors == doc.end() || !errors->is_array() || errors->empty()) return {};
  const auto& e = (*errors)[0];
  if (!e.is_object()) return {};
  std::string out = "registry says '";
  if (auto c = e.find("code"); c != e.end() && c->is_string()) out += c->get<std::string>();
  if (auto m = e.find("message"); m != e.end() && m->is_string()) out += ": " + m->get<std::string>();
  if (out.size() > 200) out.resize(200);
  return out + "'";
}

RegistryError status_error(const ErrorSite& site, const HttpResponse& r) {
  return error_for_status(site, r.status, registry_said(r));
}

std::string blob_url_path(const Reference& repo, const Digest& digest) {
  return "/v2/" + repo.path + "/blobs/" + digest.to_string();
}

std::string manifest_url_path(const Reference& ref) {
  return "/v2/" + ref.path + "/manifests/" + manifest_ref(ref);
}

// docker.io is the name in references; its API lives at registry-1.docker.io.
std::string api_host(const std::string& registry) {
  return registry == "docker.io" ? "registry-1.docker.io" : registry;
}

RegistryError local_io_error(const ErrorSite& site, const std::string& what, const std::string& path) {
  return make_registry_error(RegistryErrorKind::kLocalIo, site, 0,
                             what + " " + path + ": " + std::strerror(errno));
}

// Closes a file descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool write_all(int fd, const char* data, std::size_t len, off_t offset) {
  while (len > 0) {
    ssize_t n = ::pwrite(fd, data, len, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    len -= static_cast<std::size_t>(n);
    offset += n;
  }
  return true;
}

// Hashes the first `len` bytes of `fd` (a partial download being resumed).
bool hash_prefix(int fd, std::uint64_t len, Sha256Hasher& hasher) {
  std::string buf(1 << 16, '\0');
  std::uint64_t off = 0;
  while (off < len) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), len - off));
    ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    hasher.update(buf.data(), static_cast<std::size_t>(n));
    off += static_cast<std::uint64_t>(n);
  }
  return true;
}

std::uint64_t file_size_or_zero(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_size);
}

void fsync_parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd >= 0) ::fsync(d.fd);
}

}  // namespace

HttpRegistryClient::HttpRegistryClient(HttpRegistryClientConfig config) : config_(std::move(config)) {
  if (!config_.now_ms) {
    config_.now_ms = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
  }
  if (!config_.sleep_ms) {
    config_.sleep_ms = [](std::uint32_t ms) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    };
  }
  SHOAL_ASSERT(sodium_init() >= 0);
}

std::string HttpRegistryClient::scope_for(const Reference& repo) {
  return "repository:" + repo.path + ":pull";
}

HttpTransportOptions HttpRegistryClient::transport_for(const std::string& registry,
                                                       bool verify) const {
  HttpTransportOptions t = config_.transport;
  auto it = config_.registries.find(registry);
  if (it != config_.registries.end()) {
    t.ca_file = it->second.ca_file;
    if (it->second.insecure) t.skip_tls_verify = true;
  }
  if (!verify) t.skip_tls_verify = true;
  return t;
}

template <typename T>
Result<T, RegistryError> HttpRegistryClient::with_retries(
    const std::function<Result<T, RegistryError>()>& attempt) {
  for (std::uint32_t n = 1;; ++n) {
    Result<T, RegistryError> r = attempt();
    {
      std::lock_guard lock(mu_);
      ++counters_.attempts;
      if (n > 1) ++counters_.retries;
      if (!r.ok()) ++counters_.failed[static_cast<std::size_t>(r.error().kind)];
    }
    if (r.ok()) return r;
    RetryDecision d = decide_retry(config_.retry, n, r.error().kind);
    if (!d.retry) return r;
    config_.sleep_ms(d.delay_ms);
  }
}

RegistryClientCounters HttpRegistryClient::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

std::optional<std::string> HttpRegistryClient::authorization(const Reference& repo) {
  std::lock_guard lock(mu_);
  auto it = auth_hints_.find(repo.registry);
  if (it == auth_hints_.end()) return std::nullopt;
  if (it->second.scheme == "basic") {
    auto creds = config_.credentials.find(repo.registry);
    if (!creds) return std::nullopt;
    return basic_authorization_header(*creds);
  }
  auto token = tokens_.get(TokenCache::key(it->second.realm, it->second.service, scope_for(repo)),
                           config_.now_ms());
  if (!token) return std::nullopt;
  return "Authorization: Bearer " + *token;
}

Result<HttpResponse, RegistryError> HttpRegistryClient::send_once(const Reference& repo,
                                                                  const ErrorSite& site,
                                                                  HttpRequest request,
                                                                  const BodySink& sink,
                                                                  const HeadHook& on_head) {
  bool insecure = false;
  if (auto it = config_.registries.find(repo.registry); it != config_.registries.end()) {
    insecure = it->second.insecure;
  }
  bool plain;
  bool tls_seen;
  {
    std::lock_guard lock(mu_);
    plain = plain_http_.count(repo.registry) > 0;
    tls_seen = tls_seen_.count(repo.registry) > 0;
  }
  if (auto auth = authorization(repo)) request.headers.push_back(std::move(*auth));
  const std::string path = request.url;
  request.url = (plain ? "http://" : "https://") + api_host(repo.registry) + path;
  // Whether a 2xx body started: then the sink holds bytes of this answer, and a fallback to
  // plain HTTP must not feed it a second one.
  bool body_started = false;
  HeadHook watched = [&](const HttpResponse& head) -> RegistryStatus {
    body_started = true;
    return on_head ? on_head(head) : RegistryStatus();
  };
  auto r = http_fetch(transport_for(repo.registry, true), request, sink, site, watched);
  if (r.ok() && !plain && !tls_seen) {
    std::lock_guard lock(mu_);
    tls_seen_.insert(repo.registry);
  }
  // Fall back to plain HTTP only for an insecure registry never seen answering HTTPS: a
  // transfer cut mid-body on a TLS registry must stay a (retried) HTTPS failure.
  if (r.ok() || !insecure || plain || tls_seen || body_started ||
      r.error().kind != RegistryErrorKind::kUnreachable) {
    return r;
  }
  // An insecure registry that does not speak TLS: plain HTTP, remembered for later requests.
  request.url = "http://" + api_host(repo.registry) + path;
  auto plain_r = http_fetch(transport_for(repo.registry, false), request, sink, site, on_head);
  if (plain_r.ok()) {
    std::lock_guard lock(mu_);
    plain_http_.insert(repo.registry);
  }
  return plain_r;
}

Result<HttpResponse, RegistryError> HttpRegistryClient::send(const Reference& repo,
                                                             const ErrorSite& site,
                                                             HttpRequest request,
                                                             const BodySink& sink,
                                                             const HeadHook& on_head) {
  auto r = send_once(repo, site, request, sink, on_head);
  if (!r.ok() || r->status != 401) return r;
  auto st = authenticate(repo, site, *r);
  if (!st) return st.error();
  r = send_once(repo, site, request, sink, on_head);
  if (r.ok() && (r->status == 401 || r->status == 403)) {
    bool have_creds = config_.credentials.find(repo.registry).has_value();
    return make_registry_error(
        RegistryErrorKind::kAuthFailed, site, r->status,
        have_creds ? "the registry refused the credentials for " + repo.registry +
                         " from the registry auth file; check them (shoal login " + repo.registry +
                         ")"
                   : "the registry requires credentials and the registry auth file has none for " +
                         repo.registry + " (shoal login " + repo.registry + ")");
  }
  return r;
}

RegistryStatus HttpRegistryClient::authenticate(const Reference& repo, const ErrorSite& site,
                                                const HttpResponse& unauthorized) {
  const std::string* header = unauthorized.header("www-authenticate");
  auto fail = [&](const std::string& why) {
    return make_registry_error(RegistryErrorKind::kAuthFailed, site, 401, why);
  };
  if (header == nullptr) return fail("the registry answered 401 without a WWW-Authenticate challenge");
  auto challenges = parse_auth_challenges(*header);
  if (!challenges) return fail("cannot read the registry's challenge: " + challenges.message());
  if (auto bearer = find_challenge(*challenges, "bearer")) {
    auto realm = bearer->param("realm");
    if (!realm || !(realm->rfind("https://", 0) == 0 || realm->rfind("http://", 0) == 0)) {
      return fail("the registry's Bearer challenge has no http(s) realm");
    }
    AuthHint hint{"bearer", *realm, bearer->param("service").value_or("")};
    auto st = fetch_token(repo, site, hint, bearer->param("scope").value_or(scope_for(repo)));
    if (!st) return st;
    std::lock_guard lock(mu_);
    auth_hints_.insert_or_assign(repo.registry, std::move(hint));
    return {};
  }
  if (find_challenge(*challenges, "basic")) {
    if (!config_.credentials.find(repo.registry)) {
      return fail("the registry requires credentials and the registry auth file has none for " +
                  repo.registry + " (shoal login " + repo.registry + ")");
    }
    std::lock_guard lock(mu_);
    auth_hints_.insert_or_assign(repo.registry, AuthHint{"basic", "", ""});
    return {};
  }
  return fail("the registry asks for an auth scheme shoal does not support (only Basic and Bearer)");
}

RegistryStatus HttpRegistryClient::fetch_token(const Reference& repo, const ErrorSite& site,
                                               const AuthHint& hint, const std::string& scope) {
  // The realm is named in errors (it is a URL the registry published, not a secret); the
  // query we add holds only service and scope.
  ErrorSite token_site = site;
  token_site.object = "token from " + hint.realm;
  HttpRequest req;
  req.url = hint.realm + (hint.realm.find('?') == std::string::npos ? "?" : "&") +
            "scope=" + url_escape(scope);
  if (!hint.service.empty()) req.url += "&service=" + url_escape(hint.service);
  req.max_body_bytes = kMaxTokenResponseBytes;
  auto creds = config_.credentials.find(repo.registry);
  if (creds) req.headers.push_back(basic_authorization_header(*creds));
  std::string body;
  auto r = http_fetch(transport_for(repo.registry, true), req, string_sink(&body), token_site);
  if (!r) return r.error();
  if (r->status == 401 || r->status == 403) {
    return make_registry_error(RegistryErrorKind::kAuthFailed, token_site, r->status,
                               creds ? "the token server refused the credentials for " +
                                           repo.registry + " from the registry auth file"
                                     : "the token server refused an anonymous token; add "
                                       "credentials for " + repo.registry +
                                           " to the registry auth file");
  }
  if (r->status < 200 || r->status >= 300) return status_error(token_site, *r);
  std::int64_t now = config_.now_ms();
  auto token = parse_token_response(body, now);
  sodium_memzero(body.data(), body.size());
  if (!token) {
    return make_registry_error(RegistryErrorKind::kBadResponse, token_site, r->status,
                               token.message());
  }
  std::lock_guard lock(mu_);
  tokens_.put(TokenCache::key(hint.realm, hint.service, scope_for(repo)), std::move(*token));
  ++counters_.tokens_fetched;
  return {};
}

Result<std::optional<Descriptor>, RegistryError> HttpRegistryClient::head_manifest(
    const Reference& ref) {
  ErrorSite site{ref.registry, ref.path, "manifest " + manifest_ref(ref)};
  HttpRequest req;
  req.method = "HEAD";
  req.url = manifest_url_path(ref);
  req.headers.push_back(accept_header());
  auto r = send(ref, site, req, {}, {});
  if (!r) return r.error();
  if (r->status < 200 || r->status >= 300) return status_error(site, *r);
  Descriptor d;
  d.media_type = media_type_of(*r);
  if (const std::string* cl = r->header("content-length")) {
    d.size = std::strtoull(cl->c_str(), nullptr, 10);
  }
  const std::string* announced = r->header("docker-content-digest");
  if (announced == nullptr) {
    // Allowed by the spec: the caller falls back to GET and hashes the bytes.
    return std::optional<Descriptor>{};
  }
  auto digest = Digest::parse(*announced);
  if (!digest) {
    return make_registry_error(RegistryErrorKind::kBadResponse, site, r->status,
                               "Docker-Content-Digest: " + digest.message());
  }
  if (ref.digest && *digest != *ref.digest) {
    return make_registry_error(RegistryErrorKind::kDigestMismatch, site, r->status,
                               "the registry announced " + digest->to_string());
  }
  d.digest = *digest;
  return std::optional<Descriptor>(std::move(d));
}

Result<Descriptor, RegistryError> HttpRegistryClient::resolve(const Reference& ref) {
  auto head = with_retries<std::optional<Descriptor>>([&] { return head_manifest(ref); });
  if (!head) return head.error();
  if (head.value()) return *head.value();
  // No Docker-Content-Digest: the digest is that of the bytes.
  auto fetched = fetch_manifest(ref);
  if (!fetched) return fetched.error();
  return fetched->descriptor;
}

Result<FetchedManifest, RegistryError> HttpRegistryClient::fetch_manifest(const Reference& ref) {
  ErrorSite site{ref.registry, ref.path, "manifest " + manifest_ref(ref)};
  return with_retries<FetchedManifest>([&]() -> Result<FetchedManifest, RegistryError> {
    HttpRequest req;
    req.url = manifest_url_path(ref);
    req.headers.push_back(accept_header());
    req.max_body_bytes = kMaxManifestBytes;
    std::string body;
    auto r = send(ref, site, req, string_sink(&body), {});
    if (!r) return r.error();
    if (r->status < 200 || r->status >= 300) return status_error(site, *r);
    const Digest actual = Digest::of(body);
    if (ref.digest && actual != *ref.digest) {
      return make_registry_error(RegistryErrorKind::kDigestMismatch, site, r->status,
                                 "the manifest's bytes hash to " + actual.to_string());
    }
    if (const std::string* announced = r->header("docker-content-digest")) {
      if (*announced != actual.to_string()) {
        return make_registry_error(RegistryErrorKind::kDigestMismatch, site, r->status,
                                   "the registry announced " + announced->substr(0, 80) +
                                       " but the bytes hash to " + actual.to_string());
      }
    }
    FetchedManifest m;
    m.descriptor.media_type = media_type_of(*r);
    m.descriptor.digest = actual;
    m.descriptor.size = body.size();
    m.bytes = std::move(body);
    return m;
  });
}

Result<BlobFetchStats, RegistryError> HttpRegistryClient::fetch_blob(const Reference& ref,
                                                                     const Descriptor& blob,
                                                                     const std::string& dest_path) {
  ErrorSite site{ref.registry, ref.path, "blob " + blob.digest.to_string()};
  const std::string partial = dest_path + ".partial";
  BlobFetchStats stats;
  auto r = with_retries<BlobFetchStats>(
      [&] { return fetch_blob_once(ref, blob, partial, stats); });
  {
    std::lock_guard lock(mu_);
    counters_.blob_bytes_received += stats.bytes_received;  // failed attempts' bytes too: they crossed the link
  }
  if (!r) return r;
  if (::rename(partial.c_str(), dest_path.c_str()) != 0) {
    return local_io_error(site, "cannot rename the verified blob to", dest_path);
  }
  fsync_parent_dir(dest_path);
  return stats;
}

Result<BlobFetchStats, RegistryError> HttpRegistryClient::fetch_blob_once(
    const Reference& repo, const Descriptor& blob, const std::string& partial,
    BlobFetchStats& stats) {
  const std::uint64_t size = blob.size;
  ErrorSite site{repo.registry, repo.path, "blob " + blob.digest.to_string()};
  BlobRequestPlan plan = plan_blob_request(file_size_or_zero(partial), size);
  Fd fd{::open(partial.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)};
  if (fd.fd < 0) return local_io_error(site, "cannot open", partial);
  if (plan.discard_partial && ::ftruncate(fd.fd, 0) != 0) {
    return local_io_error(site, "cannot truncate", partial);
  }
  Sha256Hasher hasher;
  if (plan.range_from > 0 && !hash_prefix(fd.fd, plan.range_from, hasher)) {
    return local_io_error(site, "cannot read", partial);
  }
  std::uint64_t offset = plan.range_from;
  HttpRequest req;
  req.url = blob_url_path(repo, blob.digest);
  req.range_from = plan.range_from;
  req.max_body_bytes = size;
  ++stats.attempts;
  stats.resumed_from = std::max(stats.resumed_from, plan.range_from);

  HeadHook on_head = [&](const HttpResponse& head) -> RegistryStatus {
    const std::string* cr = head.header("content-range");
    auto decision = accept_blob_response(
        plan.range_from, head.status,
        cr ? std::optional<std::string_view>(*cr) : std::nullopt);
    if (decision.action == BlobResponseAction::kAppend) return {};
    if (::ftruncate(fd.fd, 0) != 0) return local_io_error(site, "cannot truncate", partial);
    if (decision.action == BlobResponseAction::kRangeRejected) {
      return make_registry_error(RegistryErrorKind::kServerError, site, head.status,
                                 "the registry answered the resume request with another range; "
                                 "starting over");
    }
    hasher = Sha256Hasher();
    offset = 0;
    return {};
  };
  BodySink sink = [&](const char* data, std::size_t len) -> RegistryStatus {
    if (offset + len > size) {
      return make_registry_error(RegistryErrorKind::kDigestMismatch, site, 0,
                                 "the registry sent more than the " + std::to_string(size) +
                                     " bytes the manifest gives");
    }
    if (!write_all(fd.fd, data, len, static_cast<off_t>(offset))) {
      return local_io_error(site, "cannot write", partial);
    }
    hasher.update(data, len);
    offset += len;
    stats.bytes_received += len;
    return {};
  };
  auto r = send(repo, site, req, sink, on_head);
  if (!r) {
    // Bytes already written are kept for a resume, unless they cannot be a prefix of the blob.
    if (r.error().kind == RegistryErrorKind::kDigestMismatch) ::ftruncate(fd.fd, 0);
    return r.error();
  }
  if (r->status == 416) {
    if (::ftruncate(fd.fd, 0) != 0) return local_io_error(site, "cannot truncate", partial);
    return make_registry_error(RegistryErrorKind::kServerError, site, r->status,
                               "the registry rejected the resume range; starting over");
  }
  if (r->status < 200 || r->status >= 300) return status_error(site, *r);
  if (offset != size) {
    // A clean end short of the size: keep the prefix; the next attempt resumes from it.
    return make_registry_error(RegistryErrorKind::kDigestMismatch, site, r->status,
                               "the registry sent " + std::to_string(offset) + " of " +
                                   std::to_string(size) + " bytes");
  }
  if (::fsync(fd.fd) != 0) return local_io_error(site, "cannot sync", partial);
  const Digest actual = hasher.finish();
  if (actual != blob.digest) {
    ::ftruncate(fd.fd, 0);  // a complete file with wrong bytes is never a resume prefix
    return make_registry_error(RegistryErrorKind::kDigestMismatch, site, r->status,
                               "the downloaded bytes hash to " + actual.to_string() +
                                   "; discarded");
  }
  return stats;
}

}  // namespace shoal::image
