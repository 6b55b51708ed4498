#include "image/reference.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal::image {
namespace {

const std::string kF64(64, 'f');
const std::string kDig = "sha256:" + kF64;
constexpr std::string_view kHub = "docker.io";
constexpr std::string_view kMirror = "10.0.0.5:5000";

struct Ok {
  std::string input;
  std::string_view default_registry;
  std::string registry, path, tag, digest;
};

void expect_parses(const Ok& c) {
  auto r = parse_reference(c.input, c.default_registry);
  ASSERT_TRUE(r) << c.input << ": " << r.message();
  EXPECT_EQ(r->registry, c.registry) << c.input;
  EXPECT_EQ(r->path, c.path) << c.input;
  EXPECT_EQ(r->tag, c.tag) << c.input;
  EXPECT_EQ(r->digest ? r->digest->to_string() : "", c.digest) << c.input;
}

// Valid cases of distribution's reference_test.go TestReferenceParse, as they normalise (its
// Parse does not normalise: there "test_com" has no domain; here it lands on the default).
TEST(Reference, DockerReferenceTestValid) {
  const std::string long_path = [] { std::string s; for (int i = 0; i < 120; ++i) s += "a/"; return s + "a"; }();
  const Ok cases[] = {
      {"test_com", kHub, "docker.io", "library/test_com", "latest", ""},
      {"test.com:tag", kHub, "docker.io", "library/test.com", "tag", ""},
      {"test.com:5000", kHub, "docker.io", "library/test.com", "5000", ""},
      {"test.com/repo:tag", kHub, "test.com", "repo", "tag", ""},
      {"test:5000/repo", kHub, "test:5000", "repo", "latest", ""},
      {"test:5000/repo:tag", kHub, "test:5000", "repo", "tag", ""},
      {"test:5000/repo@" + kDig, kHub, "test:5000", "repo", "", kDig},
      {"test:5000/repo:tag@" + kDig, kHub, "test:5000", "repo", "tag", kDig},
      {"[2001:0db8:85a3:0000:0000:8a2e:0370:7334]/repo", kHub,
       "[2001:0db8:85a3:0000:0000:8a2e:0370:7334]", "repo", "latest", ""},
      {"[2001:0db8:85a3::8a2e:0370:7334]/repo", kHub, "[2001:0db8:85a3::8a2e:0370:7334]", "repo", "latest", ""},
      {"[fc00::192.168.134.145]/repo", kHub, "[fc00::192.168.134.145]", "repo", "latest", ""},
      {"[::]/repo", kHub, "[::]", "repo", "latest", ""},
      {"[fc00::1]/repo:tag", kHub, "[fc00::1]", "repo", "tag", ""},
      {"[fc00::1]:5000/repo", kHub, "[fc00::1]:5000", "repo", "latest", ""},
      {"[fc00::1]:5000/repo:tag@" + kDig, kHub, "[fc00::1]:5000", "repo", "tag", kDig},
      {"[::1]:5000/repo", kHub, "[::1]:5000", "repo", "latest", ""},
      {"lowercase:Uppercase", kHub, "docker.io", "library/lowercase", "Uppercase", ""},
      {"r.io/" + long_path + ":tag-puts-this-over-max", kHub, "r.io", long_path, "tag-puts-this-over-max", ""},
      {"sub-dom1.foo.com/bar/baz/quux", kHub, "sub-dom1.foo.com", "bar/baz/quux", "latest", ""},
      {"sub-dom1.foo.com/bar/baz/quux:some-long-tag", kHub, "sub-dom1.foo.com", "bar/baz/quux", "some-long-tag", ""},
      {"b.gcr.io/test.example.com/my-app:test.example.com", kHub, "b.gcr.io", "test.example.com/my-app", "test.example.com", ""},
      {"xn--n3h.com/myimage:xn--n3h.com", kHub, "xn--n3h.com", "myimage", "xn--n3h.com", ""},
      {"foo_bar.com:8080", kHub, "docker.io", "library/foo_bar.com", "8080", ""},
      {"foo/foo_bar.com:8080", kHub, "docker.io", "foo/foo_bar.com", "8080", ""},
  };
  for (const auto& c : cases) expect_parses(c);
}

// distribution's normalize_test.go: TestValidateReferenceName, TestValidateRemoteName,
// TestNormalizedSplitHostname and TestParseRepositoryInfo.
TEST(Reference, DockerNormalizeTestValid) {
  const Ok cases[] = {
      {"docker/docker", kHub, "docker.io", "docker/docker", "latest", ""},
      {"library/debian", kHub, "docker.io", "library/debian", "latest", ""},
      {"debian", kHub, "docker.io", "library/debian", "latest", ""},
      {"docker.io/docker/docker", kHub, "docker.io", "docker/docker", "latest", ""},
      {"docker.io/library/debian", kHub, "docker.io", "library/debian", "latest", ""},
      {"docker.io/debian", kHub, "docker.io", "library/debian", "latest", ""},
      {"index.docker.io/docker/docker", kHub, "docker.io", "docker/docker", "latest", ""},
      {"index.docker.io/debian", kHub, "docker.io", "library/debian", "latest", ""},
      {"127.0.0.1:5000/docker/docker", kHub, "127.0.0.1:5000", "docker/docker", "latest", ""},
      {"127.0.0.1:5000/debian", kHub, "127.0.0.1:5000", "debian", "latest", ""},
      {"thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", kHub, "docker.io",
       "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "latest", ""},
      {"docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", kHub, "docker.io",
       "library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "latest", ""},
      {"Docker/docker", kHub, "Docker", "docker", "latest", ""},
      {"DOCKER/docker", kHub, "DOCKER", "docker", "latest", ""},
      {"docker-rules/docker", kHub, "docker.io", "docker-rules/docker", "latest", ""},
      {"docker---rules/docker", kHub, "docker.io", "docker---rules/docker", "latest", ""},
      {"d/docker", kHub, "docker.io", "d/docker", "latest", ""},
      {"jess/t", kHub, "docker.io", "jess/t", "latest", ""},
      {"dock__er/docker", kHub, "docker.io", "dock__er/docker", "latest", ""},
      {"test_com/foo", kHub, "docker.io", "test_com/foo", "latest", ""},
      {"test-com:8080/foo", kHub, "test-com:8080", "foo", "latest", ""},
      {"xn--n3h.com:18080/foo", kHub, "xn--n3h.com:18080", "foo", "latest", ""},
      {"docker.io/library/foo/bar", kHub, "docker.io", "library/foo/bar", "latest", ""},
      {"localhost/app", kHub, "localhost", "app", "latest", ""},
      {"localhost:5000/app", kHub, "localhost:5000", "app", "latest", ""},
      {"busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa", kHub,
       "docker.io", "library/busybox", "latest",
       "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"},
  };
  for (const auto& c : cases) expect_parses(c);
}

// shoal's own rule: the default registry is the agent's mirror, and `library/` is Docker Hub's
// convention only.
TEST(Reference, DefaultRegistryIsAParameter) {
  const Ok cases[] = {
      {"busybox", kMirror, "10.0.0.5:5000", "busybox", "latest", ""},
      {"team/web:2", kMirror, "10.0.0.5:5000", "team/web", "2", ""},
      {"other.io/busybox", kMirror, "other.io", "busybox", "latest", ""},
      {"docker.io/busybox", kMirror, "docker.io", "library/busybox", "latest", ""},
      {"web@" + kDig, "registry.local", "registry.local", "web", "", kDig},
  };
  for (const auto& c : cases) expect_parses(c);
}

struct Bad {
  std::string input;
  std::string error_part;
};

void expect_rejects(const Bad& c, std::string_view default_registry = kHub) {
  auto r = parse_reference(c.input, default_registry);
  ASSERT_FALSE(r) << c.input << " parsed as " << r->canonical_string();
  EXPECT_NE(r.message().find(c.error_part), std::string::npos)
      << c.input << ": " << r.message() << " (expected to mention '" << c.error_part << "')";
}

TEST(Reference, DockerTestsInvalid) {
  std::string too_long;
  for (int i = 0; i < 128; ++i) too_long += "a/";
  too_long += "a:tag";
  const Bad cases[] = {
      {"[fc00::1]:tag", "may hold only"},
      {"[fc00::1]:5000", "may hold only"},
      {"[fc00::1::1]/repo", "not an IPv6 address"},
      {"[::fc00:1:1::]/repo", "not an IPv6 address"},
      {"[fc00::00001]/repo", "not an IPv6 address"},
      {"[fc00]/repo", "not an IPv6 address"},
      {"[someinvalidstring]/repo", "not an IPv6 address"},
      {"[:::]/repo", "not an IPv6 address"},
      {"[fc00::300.168.134.145]/repo", "not an IPv6 address"},
      {"[fc00::1%eth0]:5000/repo", "not an IPv6 address"},  // zones: see check_ipv6_host
      {"", "empty"},
      {":justtag", "no repository name"},
      {"@" + kDig, "no repository name"},
      {"repo@sha256:ffffffffffffffffffffffffffffffffff", "64 hex characters, got 34"},
      {"validname@invaliddigest:" + kF64, "not supported"},
      {"repo@sha512:" + kF64 + kF64, "not supported"},  // sha256 only, by design
      {"Uppercase:tag", "must be lowercase"},
      {"test:5000/Uppercase/lowercase:tag", "must be lowercase"},
      {too_long, "at most 255"},
      {"aa/asdf$$^/aa", "may hold only"},
      {"https://github.com/docker/docker", "registry 'https:': port"},
      {"docker/Docker", "must be lowercase"},
      {"-docker", "start and end"},
      {"-docker/docker", "start and end"},
      {"-docker.io/docker/docker", "host label"},
      {"docker///docker", "empty"},
      {"docker.io/docker/Docker", "must be lowercase"},
      {"docker.io/docker///docker", "empty"},
      {"1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "image id"},
      {"docker-/docker", "start and end"},
      {"-docker-/docker", "start and end"},
      {"____/____", "start and end"},
      {"_docker/_docker", "start and end"},
      {"dock..er/docker", "host label ''"},  // '.' makes it a host (Docker's split),
      {"dock_.er/docker", "host label 'dock_'"},
      {"dock-.er/docker", "host label 'dock-'"},
      {"team/dock..er", "separator '..'"},
      {"team/dock_.er", "separator '_.'"},
      {"team/dock-.er", "separator '-.'"},
      {"dock___er/docker", "separator '___'"},
      {"docker/", "empty"},
      {"this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_"
       "namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_"
       "lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_"
       "255/docker", "at most 255"},
      {"busybox:-foo", "must start with"},
      {"busybox:", "not followed by a tag"},
      {"busybox:" + std::string(129, 'a'), "at most 128"},
      {"busybox:a+b", "may hold only"},
      {"busybox@", "no algorithm"},
      {"r:0/app", "port must be 1-65535"},
      {"r:65536/app", "port must be 1-65535"},
      {"r:5x/app", "port must be digits"},
      {"r.io:/app", "port must be 1-65535"},
      {"[::1/app", "without ']'"},
      {"[::1]x/app", "only ':PORT'"},
      {std::string(600, 'a'), "longer than 512"},
      {std::string("bus\0ybox", 8), "may hold only"},
      {"bus ybox", "may hold only"},
  };
  for (const auto& c : cases) expect_rejects(c);
}

TEST(Reference, NoDefaultRegistryNeedsAnExplicitOne) {
  expect_rejects({"busybox", "none is configured"}, "");
  expect_rejects({"team/web:1", "--registry-mirror"}, "");
  auto r = parse_reference("r.local:5000/team/web:1", "");
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(r->registry, "r.local:5000");
}

TEST(Reference, DefaultRegistryMustReadAsAHost) {
  expect_rejects({"busybox", "would be read as a repository path"}, "myreg");
  expect_rejects({"busybox", "host label"}, "bad_host:5000");
  EXPECT_TRUE(parse_reference("busybox", "localhost"));
  EXPECT_TRUE(parse_reference("busybox", "myreg:443"));
}

TEST(Reference, ValidateRegistry) {
  for (const char* ok : {"r", "r:1", "a.b.c", "A-1.example:65535", "[::1]", "[fe80::1]:5000", "10.0.0.1:5000"}) {
    EXPECT_TRUE(validate_registry(ok)) << ok;
  }
  for (const char* bad : {"", "-r", "r-", "a..b", "r:", "r:99999", "[::1]:", "a_b.com", "[]"}) {
    EXPECT_FALSE(validate_registry(bad)) << bad;
  }
}

// TestParseRepositoryInfo: familiar and full names of each form, all parsing to the same thing.
TEST(Reference, DockerFamiliarAndCanonical) {
  struct Case { std::vector<std::string> inputs; std::string familiar, canonical; };
  const Case cases[] = {
      {{"fooo/bar", "docker.io/fooo/bar", "index.docker.io/fooo/bar"}, "fooo/bar:latest", "docker.io/fooo/bar:latest"},
      {{"ubuntu", "docker.io/library/ubuntu", "library/ubuntu"}, "ubuntu:latest", "docker.io/library/ubuntu:latest"},
      {{"other/library"}, "other/library:latest", "docker.io/other/library:latest"},
      {{"127.0.0.1:8000/private/moonbase"}, "127.0.0.1:8000/private/moonbase:latest", "127.0.0.1:8000/private/moonbase:latest"},
      {{"example.com:8000/privatebasee"}, "example.com:8000/privatebasee:latest", "example.com:8000/privatebasee:latest"},
      {{"ubuntu-12.04-base", "index.docker.io/library/ubuntu-12.04-base"}, "ubuntu-12.04-base:latest", "docker.io/library/ubuntu-12.04-base:latest"},
      {{"foo", "docker.io/foo"}, "foo:latest", "docker.io/library/foo:latest"},
      {{"library/foo/bar"}, "library/foo/bar:latest", "docker.io/library/foo/bar:latest"},
      {{"store/foo/bar"}, "store/foo/bar:latest", "docker.io/store/foo/bar:latest"},
      {{"Foo/bar"}, "Foo/bar:latest", "Foo/bar:latest"},
      {{"busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"},
       "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa",
       "docker.io/library/busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"},
      {{"redis@" + kDig}, "redis@" + kDig, "docker.io/library/redis@" + kDig},
  };
  for (const auto& c : cases) {
    for (const auto& input : c.inputs) {
      auto r = parse_reference(input, kHub);
      ASSERT_TRUE(r) << input << ": " << r.message();
      EXPECT_EQ(r->familiar_string(kHub), c.familiar) << input;
      EXPECT_EQ(r->canonical_string(), c.canonical) << input;
    }
  }
}

TEST(Reference, FamiliarOnAMirror) {
  auto r = parse_reference("web:1", kMirror);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->familiar_string(kMirror), "web:1");
  EXPECT_EQ(r->familiar_string(kHub), "10.0.0.5:5000/web:1");
  EXPECT_EQ(r->canonical_string(), "10.0.0.5:5000/web:1");
  // A path whose first component reads as a host keeps its registry even when it is the default.
  auto amb = parse_reference("10.0.0.5:5000/foo.com/app", kMirror);
  ASSERT_TRUE(amb);
  EXPECT_EQ(amb->familiar_string(kMirror), "10.0.0.5:5000/foo.com/app:latest");
}

TEST(Reference, WithDigestPins) {
  auto r = parse_reference("web:1", kMirror);
  ASSERT_TRUE(r);
  const Reference pinned = r->with_digest(Digest::of("manifest"));
  EXPECT_EQ(pinned.canonical_string(), "10.0.0.5:5000/web:1@" + Digest::of("manifest").to_string());
  EXPECT_EQ(pinned.tag, "1");
}

// Generators of valid parts, to state the laws on many shapes.
rc::Gen<std::string> gen_component() {
  return rc::gen::map(
      rc::gen::container<std::vector<std::pair<std::string, int>>>(
          rc::gen::pair(rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::elementOf(std::string("abz09")))),
                        rc::gen::inRange(0, 5))),
      [](const std::vector<std::pair<std::string, int>>& runs) {
        static const char* kSeps[] = {".", "_", "__", "-", "--"};
        std::string out = "a";
        for (const auto& [run, sep] : runs) out += std::string(kSeps[sep]) + run;
        return out;
      });
}

rc::Gen<std::string> gen_reference_text() {
  return rc::gen::apply(
      [](int registry_kind, const std::vector<std::string>& comps, int tag_kind, bool pin) {
        static const char* kRegs[] = {"", "r.io/", "localhost:5000/", "[::1]:80/", "docker.io/", "10.0.0.5:5000/"};
        std::string out = kRegs[registry_kind];
        for (std::size_t i = 0; i < comps.size(); ++i) out += (i ? "/" : "") + comps[i];
        if (tag_kind == 1) out += ":v1.2_X-y";
        if (tag_kind == 2) out += ":latest";
        if (pin) out += "@" + Digest::of(out).to_string();
        return out;
      },
      rc::gen::inRange(0, 6),
      rc::gen::resize(4, rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(gen_component()))),
      rc::gen::inRange(0, 3), rc::gen::arbitrary<bool>());
}

// Law: the canonical string is unambiguous: any node re-parses it to the same reference,
// whatever its own default registry (specs store canonical strings).
RC_GTEST_PROP(Reference, CanonicalReparsesAnywhere, ()) {
  const std::string text = *gen_reference_text();
  auto r = parse_reference(text, kMirror);
  RC_ASSERT(r.ok());
  for (std::string_view other : {kHub, kMirror, std::string_view("localhost")}) {
    auto again = parse_reference(r->canonical_string(), other);
    RC_ASSERT(again.ok());
    RC_ASSERT(*again == *r);
  }
}

// Law: with the same default registry, the familiar string means the same image.
RC_GTEST_PROP(Reference, FamiliarReparsesWithItsDefault, ()) {
  const std::string text = *gen_reference_text();
  for (std::string_view def : {kHub, kMirror}) {
    auto r = parse_reference(text, def);
    RC_ASSERT(r.ok());
    auto again = parse_reference(r->familiar_string(def), def);
    RC_ASSERT(again.ok());
    RC_ASSERT(*again == *r);
  }
}

// Law: arbitrary bytes never crash the parser, and what it accepts is bounded.
RC_GTEST_PROP(Reference, ArbitraryInputIsSafe, (const std::string& text)) {
  auto r = parse_reference(text, kHub);
  if (r) RC_ASSERT(r->name().size() <= kMaxNameLength);
}

}  // namespace
}  // namespace shoal::image
