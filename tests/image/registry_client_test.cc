// HttpRegistryClient against a real Distribution 2.8 registry on loopback: plain, htpasswd basic
// auth, token (bearer) auth with a test token server, and a proxy that damages what it relays.
// Images are built by the test (umoci + busybox-static) and pushed with skopeo.
#include "image/http_registry_client.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/image/registry_fixture.h"

namespace shoal::image {
namespace {

using testing::ChildProcess;
using testing::ImageBuilder;
using testing::Registry;
using testing::RegistryOptions;
using testing::TempDir;
namespace fs = std::filesystem;

constexpr std::uint64_t kBigLayerBytes = 32ull << 20;  // larger than loopback socket buffers

// Images shared by every test of this binary: built and pushed once (the slow part).
struct SharedImages {
  ImageBuilder builder;
  Registry plain;
  SharedImages() {
    builder.build("small");
    builder.build("big", kBigLayerBytes);
    builder.build("arm", 0, "arm64");
    builder.build_index("multi", {"small", "arm"});
    builder.build_index("armonly", {"arm"});
    for (const char* tag : {"small", "big", "multi", "armonly"}) {
      builder.push(tag, plain.host(), std::string("x:") + tag);
    }
  }
};

SharedImages* g_shared = nullptr;

SharedImages& shared() {
  if (g_shared == nullptr) g_shared = new SharedImages();
  return *g_shared;
}

// Stops the shared registry (a child process) when the tests end.
class SharedImagesCleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    delete g_shared;
    g_shared = nullptr;
  }
};
const auto* const kCleanup = ::testing::AddGlobalTestEnvironment(new SharedImagesCleanup);

// Fast retries for tests: the policy's maths is tested in retry_policy_test; here a
// registry restart must be ridden out within seconds.
HttpRegistryClientConfig test_config(const std::string& host) {
  HttpRegistryClientConfig cfg;
  cfg.registries[host].insecure = true;  // plain HTTP on loopback
  cfg.retry = RetryConfig{.max_attempts = 6, .initial_delay_ms = 100, .max_delay_ms = 1000};
  cfg.transport.connect_timeout_ms = 2000;
  return cfg;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool exists(const std::string& path) { return fs::exists(path); }

// A reference to repository `path` on `host` with `tag`.
Reference ref(const std::string& host, const std::string& path, const std::string& tag) {
  return Reference{host, path, tag, std::nullopt};
}

// config + layers of an image manifest (parsed by image/manifest.h, as the puller will).
std::vector<Descriptor> blobs_of(const FetchedManifest& fetched) {
  auto parsed = parse_manifest(fetched.bytes, fetched.descriptor.media_type);
  EXPECT_TRUE(parsed.ok()) << parsed.message();
  if (!parsed.ok()) return {};
  const auto* m = std::get_if<ImageManifest>(&parsed.value());
  EXPECT_NE(m, nullptr);
  if (m == nullptr) return {};
  std::vector<Descriptor> out{m->config};
  out.insert(out.end(), m->layers.begin(), m->layers.end());
  return out;
}

Descriptor largest(const std::vector<Descriptor>& blobs) {
  Descriptor best;
  for (const auto& b : blobs) {
    if (b.size > best.size) best = b;
  }
  return best;
}

// A running helper script (token server or proxy) and the port it reported.
struct Helper {
  TempDir dir;
  ChildProcess process;
  std::uint16_t port = 0;
  Helper(const std::string& script, std::vector<std::string> args) {
    std::vector<std::string> argv = {testing::kSystemPython, testing::helper_script(script),
                                     dir.path()};
    argv.insert(argv.end(), args.begin(), args.end());
    process.start(argv, dir.path() + "/log");
    port = testing::wait_for_port_file(dir.path() + "/port", 15'000);
    EXPECT_NE(port, 0) << script << " did not start: " << read_file(dir.path() + "/log");
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port); }
};

TEST(RegistryClient, ResolveTagGivesTheDigestSkopeoReports) {
  auto& s = shared();
  HttpRegistryClient client(test_config(s.plain.host()));
  auto d = client.resolve(ref(s.plain.host(), "x", "small"));
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->digest.to_string(), testing::skopeo_digest(s.plain.host() + "/x:small"));
  EXPECT_EQ(d->media_type, kMediaTypeOciManifest);
  EXPECT_GT(d->size, 0u);
  // By digest too: the same descriptor.
  auto again = client.resolve(ref(s.plain.host(), "x", "small").with_digest(d->digest));
  ASSERT_TRUE(again.ok()) << again.message();
  EXPECT_EQ(again->digest, d->digest);
}

TEST(RegistryClient, FetchesManifestConfigAndLayersVerified) {
  auto& s = shared();
  HttpRegistryClient client(test_config(s.plain.host()));
  auto m = client.fetch_manifest(ref(s.plain.host(), "x", "small"));
  ASSERT_TRUE(m.ok()) << m.message();
  EXPECT_EQ(m->descriptor.digest.to_string(), testing::skopeo_digest(s.plain.host() + "/x:small"));
  EXPECT_EQ(m->descriptor.size, m->bytes.size());
  TempDir out;
  auto blobs = blobs_of(*m);
  ASSERT_EQ(blobs.size(), 2u);  // config + the busybox layer
  for (const auto& b : blobs) {
    std::string dest = out.path() + "/" + b.digest.hex();
    auto st = client.fetch_blob(ref(s.plain.host(), "x", "t"), b, dest);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(testing::file_sha256(dest), b.digest.to_string());
    EXPECT_EQ(fs::file_size(dest), b.size);
    EXPECT_FALSE(exists(dest + ".partial"));
    EXPECT_EQ(st->bytes_received, b.size);
    EXPECT_EQ(st->attempts, 1u);
  }
  // A manifest fetched by digest is checked against that digest.
  auto by_digest = client.fetch_manifest(ref(s.plain.host(), "x", "").with_digest(m->descriptor.digest));
  ASSERT_TRUE(by_digest.ok()) << by_digest.message();
  EXPECT_EQ(by_digest->bytes, m->bytes);
}

TEST(RegistryClient, IndexIsResolvedAndItsManifestsFetched) {
  auto& s = shared();
  HttpRegistryClient client(test_config(s.plain.host()));
  auto d = client.resolve(ref(s.plain.host(), "x", "multi"));
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->media_type, kMediaTypeOciIndex);
  EXPECT_EQ(d->digest.to_string(), testing::skopeo_raw_digest(s.plain.host() + "/x:multi"));
  auto index = client.fetch_manifest(ref(s.plain.host(), "x", "multi"));
  ASSERT_TRUE(index.ok()) << index.message();
  auto parsed = parse_manifest(index->bytes, index->descriptor.media_type);
  ASSERT_TRUE(parsed.ok()) << parsed.message();
  const auto& idx = std::get<ImageIndex>(parsed.value());
  std::set<std::string> archs;
  for (const auto& entry : idx.manifests) {
    ASSERT_TRUE(entry.platform.has_value());
    archs.insert(entry.platform->architecture);
    auto m = client.fetch_manifest(ref(s.plain.host(), "x", "").with_digest(entry.digest));
    ASSERT_TRUE(m.ok()) << m.message();
    EXPECT_EQ(m->descriptor.media_type, kMediaTypeOciManifest);
    EXPECT_EQ(m->descriptor.digest, entry.digest);
  }
  EXPECT_EQ(archs, (std::set<std::string>{"amd64", "arm64"}));
  auto amd = select_manifest(idx, Platform{"linux", "amd64", ""});
  ASSERT_TRUE(amd.ok()) << amd.message();
  auto amd_manifest = client.fetch_manifest(ref(s.plain.host(), "x", "").with_digest(amd->digest));
  ASSERT_TRUE(amd_manifest.ok()) << amd_manifest.message();
  EXPECT_EQ(blobs_of(*amd_manifest).size(), 2u);
  // An index with only arm64: fetched fine, and selecting linux/amd64 from it is a clear
  // error that lists what is offered.
  auto arm = client.fetch_manifest(ref(s.plain.host(), "x", "armonly"));
  ASSERT_TRUE(arm.ok()) << arm.message();
  auto arm_parsed = parse_manifest(arm->bytes, arm->descriptor.media_type);
  ASSERT_TRUE(arm_parsed.ok()) << arm_parsed.message();
  auto none = select_manifest(std::get<ImageIndex>(arm_parsed.value()), Platform{"linux", "amd64", ""});
  ASSERT_FALSE(none.ok());
  std::printf("    error: %s\n", none.message().c_str());
  EXPECT_NE(none.message().find("arm64"), std::string::npos) << none.message();
}

TEST(RegistryClient, UnknownTagIsNotFoundNamingRegistryAndRepository) {
  auto& s = shared();
  HttpRegistryClient client(test_config(s.plain.host()));
  auto d = client.resolve(ref(s.plain.host(), "x", "nope"));
  ASSERT_FALSE(d.ok());
  std::printf("    error: %s\n", d.message().c_str());
  EXPECT_EQ(d.error().kind, RegistryErrorKind::kNotFound);
  EXPECT_EQ(d.error().http_status, 404);
  EXPECT_NE(d.message().find("registry " + s.plain.host()), std::string::npos) << d.message();
  EXPECT_NE(d.message().find("repository x"), std::string::npos) << d.message();
  EXPECT_NE(d.message().find("HTTP 404"), std::string::npos) << d.message();
  auto m = client.fetch_manifest(ref(s.plain.host(), "nosuchrepo", "small"));
  ASSERT_FALSE(m.ok());
  std::printf("    error: %s\n", m.message().c_str());
  EXPECT_EQ(m.error().kind, RegistryErrorKind::kNotFound);
  EXPECT_NE(m.message().find("registry says"), std::string::npos) << m.message();
}

TEST(RegistryClient, UnreachableRegistryIsAClearErrorNamingIt) {
  const std::string host = "127.0.0.1:" + std::to_string(testing::free_port());
  auto cfg = test_config(host);
  auto start = std::chrono::steady_clock::now();
  HttpRegistryClient client(cfg);
  auto d = client.resolve(ref(host, "x", "small"));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(d.ok());
  std::printf("    error: %s\n", d.message().c_str());
  EXPECT_EQ(d.error().kind, RegistryErrorKind::kUnreachable);
  EXPECT_NE(d.message().find("registry " + host), std::string::npos) << d.message();
  EXPECT_NE(d.message().find("registry unreachable"), std::string::npos) << d.message();
  EXPECT_EQ(d.message().find("CA file"), std::string::npos) << d.message();  // not a TLS problem
  // 6 attempts with 100, 200, 400, 800, 1000 ms between them: gave up after the policy's waits.
  EXPECT_GE(ms, 2500);
  EXPECT_LT(ms, 15000);
}

TEST(RegistryClient, BlobLargerThanItsDescriptorIsRefused) {
  auto& s = shared();
  HttpRegistryClient client(test_config(s.plain.host()));
  auto m = client.fetch_manifest(ref(s.plain.host(), "x", "small"));
  ASSERT_TRUE(m.ok()) << m.message();
  auto layer = blobs_of(*m)[1];
  TempDir out;
  std::string dest = out.path() + "/layer";
  auto st = client.fetch_blob(ref(s.plain.host(), "x", "t"),
                              Descriptor{layer.media_type, layer.digest, layer.size - 1, {}}, dest);
  ASSERT_FALSE(st.ok());
  std::printf("    error: %s\n", st.message().c_str());
  EXPECT_EQ(st.error().kind, RegistryErrorKind::kTooLarge) << st.message();
  EXPECT_FALSE(exists(dest));
}

// --- HTTPS: a registry with a self-signed certificate ---

struct TlsRegistry {
  Registry registry{RegistryOptions{"", "", "", "", true}};
  TlsRegistry() { shared().builder.push("small", registry.host(), "x:small"); }
};

TEST(RegistryClientTls, CaFileVerifiesThePrivateCertificate) {
  TlsRegistry r;
  HttpRegistryClientConfig cfg;
  cfg.registries[r.registry.host()].ca_file = r.registry.tls_ca_file();
  HttpRegistryClient client(cfg);
  auto d = client.resolve(ref(r.registry.host(), "x", "small"));
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->digest.to_string(), testing::skopeo_digest(r.registry.host() + "/x:small"));
}

TEST(RegistryClientTls, UnknownCaIsRefusedWithAHint) {
  TlsRegistry r;
  HttpRegistryClientConfig cfg;  // system CA store only: the self-signed cert is unknown
  cfg.retry.max_attempts = 1;
  HttpRegistryClient client(cfg);
  auto d = client.resolve(ref(r.registry.host(), "x", "small"));
  ASSERT_FALSE(d.ok());
  std::printf("    error: %s\n", d.message().c_str());
  EXPECT_EQ(d.error().kind, RegistryErrorKind::kUnreachable);
  EXPECT_NE(d.message().find("certificate"), std::string::npos) << d.message();
  EXPECT_NE(d.message().find("CA file"), std::string::npos) << d.message();
}

TEST(RegistryClientTls, InsecureSkipsVerificationButStaysOnHttps) {
  TlsRegistry r;
  // The registry answers plain HTTP on its TLS port with a 400, so success means HTTPS.
  HttpRegistryClient client(test_config(r.registry.host()));
  auto m = client.fetch_manifest(ref(r.registry.host(), "x", "small"));
  ASSERT_TRUE(m.ok()) << m.message();
  EXPECT_EQ(m->descriptor.digest.to_string(), testing::skopeo_digest(r.registry.host() + "/x:small"));
}

// --- basic auth (htpasswd) ---

struct BasicAuthRegistry {
  Registry registry{RegistryOptions{"alice", "wonderland-7", "", "", false}};
  BasicAuthRegistry() { shared().builder.push("small", registry.host(), "x:small", "alice:wonderland-7"); }
};

HttpRegistryClientConfig with_creds(const std::string& host, const std::string& user,
                                    const std::string& password) {
  auto cfg = test_config(host);
  cfg.credentials.set(host, Credentials{user, password});
  return cfg;
}

TEST(RegistryClientBasicAuth, GoodCredentialsPull) {
  BasicAuthRegistry r;
  const std::string host = r.registry.host();
  HttpRegistryClient client(with_creds(host, "alice", "wonderland-7"));
  auto m = client.fetch_manifest(ref(host, "x", "small"));
  ASSERT_TRUE(m.ok()) << m.message();
  EXPECT_EQ(m->descriptor.digest.to_string(), testing::skopeo_digest(host + "/x:small", "alice:wonderland-7"));
  TempDir out;
  for (const auto& b : blobs_of(*m)) {
    std::string dest = out.path() + "/" + b.digest.hex();
    auto st = client.fetch_blob(ref(host, "x", "t"), b, dest);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(testing::file_sha256(dest), b.digest.to_string());
  }
}

TEST(RegistryClientBasicAuth, WrongCredentialsAreAuthFailedWithoutTheSecret) {
  BasicAuthRegistry r;
  const std::string host = r.registry.host();
  HttpRegistryClient client(with_creds(host, "alice", "not-the-password-42"));
  auto d = client.resolve(ref(host, "x", "small"));
  ASSERT_FALSE(d.ok());
  std::printf("    error: %s\n", d.message().c_str());
  EXPECT_EQ(d.error().kind, RegistryErrorKind::kAuthFailed);
  EXPECT_EQ(d.error().http_status, 401);
  EXPECT_NE(d.message().find("registry " + host), std::string::npos) << d.message();
  EXPECT_NE(d.message().find("refused the credentials"), std::string::npos) << d.message();
  EXPECT_EQ(d.message().find("not-the-password-42"), std::string::npos) << d.message();
  EXPECT_EQ(d.message().find(basic_authorization_header({"alice", "not-the-password-42"}).substr(21)),
            std::string::npos);
}

TEST(RegistryClientBasicAuth, NoCredentialsSaysWhatIsMissing) {
  BasicAuthRegistry r;
  const std::string host = r.registry.host();
  HttpRegistryClient client(test_config(host));
  auto d = client.fetch_manifest(ref(host, "x", "small"));
  ASSERT_FALSE(d.ok());
  std::printf("    error: %s\n", d.message().c_str());
  EXPECT_EQ(d.error().kind, RegistryErrorKind::kAuthFailed);
  EXPECT_NE(d.message().find("has none for " + host), std::string::npos) << d.message();
}

// --- bearer (token) auth: Distribution's `token` auth with a test token server ---

struct TokenAuthRegistry {
  Helper token_server{"token_server.py", {"bob:builder-9"}};
  std::unique_ptr<Registry> registry;
  TokenAuthRegistry() {
    registry = std::make_unique<Registry>(RegistryOptions{
        "", "", "http://" + token_server.host() + "/token", token_server.dir.path() + "/cert.pem",
        false});
    shared().builder.push("small", registry->host(), "team/app:small", "bob:builder-9");
  }
  std::size_t tokens_issued() const {
    std::ifstream in(token_server.dir.path() + "/issued");
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  }
};

TEST(RegistryClientBearer, TokenFlowPullsAndCachesTheTokenPerScope) {
  TokenAuthRegistry r;
  const std::string host = r.registry->host();
  HttpRegistryClient client(with_creds(host, "bob", "builder-9"));
  const std::string want = testing::skopeo_digest(host + "/team/app:small", "bob:builder-9");
  const std::size_t before = r.tokens_issued();  // skopeo's own tokens are not counted
  auto m = client.fetch_manifest(ref(host, "team/app", "small"));
  ASSERT_TRUE(m.ok()) << m.message();
  EXPECT_EQ(m->descriptor.digest.to_string(), want);
  TempDir out;
  for (const auto& b : blobs_of(*m)) {
    auto st = client.fetch_blob(ref(host, "team/app", "t"), b, out.path() + "/b");
    ASSERT_TRUE(st.ok()) << st.message();
  }
  // One manifest + two blobs over one token: the first 401 fetched it, the rest reused it.
  EXPECT_EQ(r.tokens_issued() - before, 1u);
  EXPECT_EQ(client.counters().tokens_fetched, 1u);
  EXPECT_EQ(client.counters().attempts, 3u);
}

// One client shared by several pulls at once (the agent pulls images in parallel): the token
// cache and auth state are shared under the client's lock, each pull verifies its own blobs.
TEST(RegistryClientBearer, ConcurrentPullsShareOneClient) {
  TokenAuthRegistry r;
  const std::string host = r.registry->host();
  HttpRegistryClient client(with_creds(host, "bob", "builder-9"));
  constexpr int kPulls = 4;
  TempDir out;
  std::vector<std::string> errors(kPulls);
  std::vector<std::thread> pulls;
  for (int i = 0; i < kPulls; ++i) {
    pulls.emplace_back([&, i] {
      auto m = client.fetch_manifest(ref(host, "team/app", "small"));
      if (!m.ok()) {
        errors[i] = m.message();
        return;
      }
      for (const auto& b : blobs_of(*m)) {
        std::string dest = out.path() + "/" + std::to_string(i) + "-" + b.digest.hex();
        auto st = client.fetch_blob(ref(host, "team/app", "t"), b, dest);
        if (!st.ok()) errors[i] = st.message();
        else if (testing::file_sha256(dest) != b.digest.to_string()) errors[i] = "bad bytes";
      }
    });
  }
  for (auto& t : pulls) t.join();
  for (int i = 0; i < kPulls; ++i) EXPECT_EQ(errors[i], "") << "pull " << i;
  auto c = client.counters();
  EXPECT_EQ(c.attempts, 3u * kPulls);
  EXPECT_GE(c.tokens_fetched, 1u);
  EXPECT_LE(c.tokens_fetched, static_cast<std::uint64_t>(kPulls));  // at most one per racing 401
}

TEST(RegistryClientBearer, TokenServerRefusingCredentialsIsAuthFailed) {
  TokenAuthRegistry r;
  const std::string host = r.registry->host();
  HttpRegistryClient client(with_creds(host, "bob", "wrong-secret-77"));
  auto d = client.resolve(ref(host, "team/app", "small"));
  ASSERT_FALSE(d.ok());
  std::printf("    error: %s\n", d.message().c_str());
  EXPECT_EQ(d.error().kind, RegistryErrorKind::kAuthFailed);
  EXPECT_NE(d.message().find("token server refused"), std::string::npos) << d.message();
  EXPECT_NE(d.message().find("registry " + host), std::string::npos) << d.message();
  EXPECT_EQ(d.message().find("wrong-secret-77"), std::string::npos) << d.message();
}

// --- damaged answers (a proxy in front of the plain registry) ---

TEST(RegistryClientFaults, CorruptedBlobIsNeverDeclaredComplete) {
  auto& s = shared();
  Helper proxy("faulty_proxy.py", {std::to_string(s.plain.port()), "corrupt-blob"});
  HttpRegistryClient direct(test_config(s.plain.host()));
  auto m = direct.fetch_manifest(ref(s.plain.host(), "x", "small"));
  ASSERT_TRUE(m.ok()) << m.message();
  auto layer = blobs_of(*m)[1];
  auto cfg = test_config(proxy.host());
  cfg.retry.max_attempts = 3;  // a damaged answer is retried (the proxy damages every one)
  HttpRegistryClient client(cfg);
  TempDir out;
  std::string dest = out.path() + "/layer";
  auto st = client.fetch_blob(ref(proxy.host(), "x", "t"), layer, dest);
  ASSERT_FALSE(st.ok());
  std::printf("    error: %s\n", st.message().c_str());
  EXPECT_EQ(st.error().kind, RegistryErrorKind::kDigestMismatch);
  EXPECT_NE(st.message().find(layer.digest.to_string()), std::string::npos) << st.message();
  EXPECT_FALSE(exists(dest));
  EXPECT_EQ(fs::file_size(dest + ".partial"), 0u);  // wrong bytes are not kept for a resume
  // Every attempt saw damaged bytes and each was counted; the policy gave up after 3.
  auto c = client.counters();
  EXPECT_EQ(c.attempts, 3u);
  EXPECT_EQ(c.retries, 2u);
  EXPECT_EQ(c.failed_of(RegistryErrorKind::kDigestMismatch), 3u);
}

TEST(RegistryClientFaults, CorruptedManifestIsADigestMismatch) {
  auto& s = shared();
  Helper proxy("faulty_proxy.py", {std::to_string(s.plain.port()), "corrupt-manifest"});
  auto cfg = test_config(proxy.host());
  cfg.retry.max_attempts = 2;
  HttpRegistryClient client(cfg);
  auto m = client.fetch_manifest(ref(proxy.host(), "x", "small"));
  ASSERT_FALSE(m.ok());
  std::printf("    error: %s\n", m.message().c_str());
  EXPECT_EQ(m.error().kind, RegistryErrorKind::kDigestMismatch);
  EXPECT_NE(m.message().find("announced"), std::string::npos) << m.message();
}

TEST(RegistryClientFaults, HugeManifestIsRefusedBeforeItIsRead) {
  auto& s = shared();
  Helper proxy("faulty_proxy.py", {std::to_string(s.plain.port()), "huge-manifest"});
  HttpRegistryClient client(test_config(proxy.host()));
  auto m = client.fetch_manifest(ref(proxy.host(), "x", "small"));
  ASSERT_FALSE(m.ok());
  std::printf("    error: %s\n", m.message().c_str());
  EXPECT_EQ(m.error().kind, RegistryErrorKind::kTooLarge) << m.message();
  EXPECT_EQ(m.error().http_status, 200);
}

TEST(RegistryClientFaults, HugeErrorBodyIsNotDrained) {
  auto& s = shared();
  Helper proxy("faulty_proxy.py", {std::to_string(s.plain.port()), "huge-404"});
  HttpRegistryClient client(test_config(proxy.host()));
  auto start = std::chrono::steady_clock::now();
  auto m = client.fetch_manifest(ref(proxy.host(), "x", "small"));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().kind, RegistryErrorKind::kNotFound) << m.message();
  EXPECT_EQ(m.error().http_status, 404);
  std::printf("    error: %s (%lld ms)\n", m.message().c_str(), static_cast<long long>(ms));
  // The client hung up after the first bytes: the proxy could write no more than what the
  // loopback socket buffers hold, far below the 64 MiB it offered.
  std::uint64_t sent = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline && !exists(proxy.dir.path() + "/sent")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::ifstream(proxy.dir.path() + "/sent") >> sent;
  EXPECT_GT(sent, 0u);
  EXPECT_LT(sent, 32u << 20);
}

TEST(RegistryClientFaults, TruncatedBlobKeepsAVerifiedPrefixThatLaterResumes) {
  auto& s = shared();
  Helper proxy("faulty_proxy.py", {std::to_string(s.plain.port()), "truncate-blob"});
  HttpRegistryClient direct(test_config(s.plain.host()));
  auto m = direct.fetch_manifest(ref(s.plain.host(), "x", "big"));
  ASSERT_TRUE(m.ok()) << m.message();
  // The 32 MiB layer is the largest blob.
  const Descriptor layer = largest(blobs_of(*m));
  ASSERT_GT(layer.size, kBigLayerBytes);
  auto cfg = test_config(proxy.host());
  cfg.retry.max_attempts = 2;
  HttpRegistryClient client(cfg);
  TempDir out;
  std::string dest = out.path() + "/layer";
  auto st = client.fetch_blob(ref(proxy.host(), "x", "t"), layer, dest);
  ASSERT_FALSE(st.ok());
  std::printf("    error: %s\n", st.message().c_str());
  EXPECT_EQ(st.error().kind, RegistryErrorKind::kUnreachable) << st.message();
  EXPECT_FALSE(exists(dest));
  // Two attempts, each cut at half of what it asked for: 1/2 then 3/4 of the blob.
  std::uint64_t partial = fs::file_size(dest + ".partial");
  EXPECT_EQ(partial, layer.size / 2 + (layer.size - layer.size / 2) / 2);
  // The undamaged registry completes it from the partial file.
  auto done = direct.fetch_blob(ref(s.plain.host(), "x", "t"), layer, dest);
  ASSERT_TRUE(done.ok()) << done.message();
  EXPECT_EQ(done->resumed_from, partial);
  EXPECT_EQ(done->bytes_received, layer.size - partial);
  EXPECT_EQ(testing::file_sha256(dest), layer.digest.to_string());
  EXPECT_FALSE(exists(dest + ".partial"));
}

// A partial file whose bytes are not a prefix of the blob (disk damage, another writer): the
// resumed download fails verification, the file is discarded and the next attempt starts over.
TEST(RegistryClientFaults, WrongPartialFileCostsOneRetryNeverABadBlob) {
  auto& s = shared();
  HttpRegistryClient client(test_config(s.plain.host()));
  auto m = client.fetch_manifest(ref(s.plain.host(), "x", "small"));
  ASSERT_TRUE(m.ok()) << m.message();
  const Descriptor layer = largest(blobs_of(*m));
  TempDir out;
  std::string dest = out.path() + "/layer";
  std::ofstream(dest + ".partial", std::ios::binary) << std::string(layer.size / 2, 'z');
  auto st = client.fetch_blob(ref(s.plain.host(), "x", "t"), layer, dest);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(st->attempts, 2u);
  EXPECT_EQ(st->resumed_from, layer.size / 2);
  EXPECT_EQ(st->bytes_received, (layer.size - layer.size / 2) + layer.size);
  EXPECT_EQ(testing::file_sha256(dest), layer.digest.to_string());
  EXPECT_EQ(client.counters().failed_of(RegistryErrorKind::kDigestMismatch), 1u);
}

// A server that ignores Range answers 200 with the whole blob: the partial file is rewritten
// from byte 0 instead of having the whole blob appended to it.
TEST(RegistryClientFaults, IgnoredRangeRewritesFromZero) {
  auto& s = shared();
  Helper proxy("faulty_proxy.py", {std::to_string(s.plain.port()), "no-range"});
  HttpRegistryClient direct(test_config(s.plain.host()));
  auto m = direct.fetch_manifest(ref(s.plain.host(), "x", "small"));
  ASSERT_TRUE(m.ok()) << m.message();
  const Descriptor layer = largest(blobs_of(*m));
  TempDir out;
  std::string whole = out.path() + "/whole";
  ASSERT_TRUE(direct.fetch_blob(ref(s.plain.host(), "x", "t"), layer, whole).ok());
  std::string dest = out.path() + "/layer";
  fs::copy_file(whole, dest + ".partial");
  fs::resize_file(dest + ".partial", layer.size / 3);  // a correct prefix
  HttpRegistryClient client(test_config(proxy.host()));
  auto st = client.fetch_blob(ref(proxy.host(), "x", "t"), layer, dest);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(st->attempts, 1u);
  EXPECT_EQ(st->resumed_from, layer.size / 3);  // asked for the rest ...
  EXPECT_EQ(st->bytes_received, layer.size);    // ... got everything, and used it from 0
  EXPECT_EQ(testing::file_sha256(dest), layer.digest.to_string());
}

TEST(RegistryClientFaults, RegistryKilledMidPullResumesAfterRestart) {
  // Its own registry (it is killed), with the big image.
  Registry registry;
  shared().builder.push("big", registry.host(), "x:big");
  auto cfg = test_config(registry.host());
  // 16 MiB/s: the 32 MiB layer takes ~2 s, so the kill lands mid-transfer (and what the
  // loopback socket buffers hold, ~10 MiB, is well short of the rest).
  cfg.transport.max_recv_bytes_per_s = 16ull << 20;
  cfg.retry = RetryConfig{.max_attempts = 8, .initial_delay_ms = 200, .max_delay_ms = 1000};
  HttpRegistryClient client(cfg);
  auto m = client.fetch_manifest(ref(registry.host(), "x", "big"));
  ASSERT_TRUE(m.ok()) << m.message();
  const Descriptor layer = largest(blobs_of(*m));
  TempDir out;
  std::string dest = out.path() + "/layer";
  Result<BlobFetchStats, RegistryError> result = RegistryError{};
  std::thread pull([&] { result = client.fetch_blob(ref(registry.host(), "x", "t"), layer, dest); });
  // Kill once a few MiB are on disk, restart at once on the same port and storage.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline &&
         (!exists(dest + ".partial") || fs::file_size(dest + ".partial") < (4u << 20))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  registry.kill();
  registry.start();
  pull.join();
  ASSERT_TRUE(result.ok()) << result.message();
  std::printf("    killed mid-pull: %u attempts, resumed from byte %llu, %llu bytes received for a "
              "%llu-byte blob\n", result->attempts,
              static_cast<unsigned long long>(result->resumed_from),
              static_cast<unsigned long long>(result->bytes_received),
              static_cast<unsigned long long>(layer.size));
  EXPECT_GT(result->attempts, 1u);
  EXPECT_GT(result->resumed_from, 4u << 20);
  // Resumed, not restarted: fewer bytes than two full downloads would take.
  EXPECT_LT(result->bytes_received, layer.size + (layer.size / 2));
  EXPECT_EQ(testing::file_sha256(dest), layer.digest.to_string());
  EXPECT_FALSE(exists(dest + ".partial"));
}

}  // namespace
}  // namespace shoal::image
