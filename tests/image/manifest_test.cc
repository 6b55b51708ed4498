#include "image/manifest.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "image/image_config.h"
#include "image/json_limits.h"
#include "image/media_type.h"
#include "tests/image/testdata.h"

namespace shoal::image {
namespace {

using testing::read_testdata;

const Platform kAmd64{"linux", "amd64", ""};

TEST(Manifest, UmociOciManifestWithoutMediaType) {
  // umoci writes no mediaType: the descriptor's type (from index.json) or the shape decides.
  for (std::string_view content_type : {media_type::kOciManifest, std::string_view()}) {
    auto m = parse_manifest(read_testdata("umoci_oci_manifest.json"), content_type);
    ASSERT_TRUE(m) << m.message();
    const auto& im = std::get<ImageManifest>(*m);
    EXPECT_EQ(im.media_type, media_type::kOciManifest);
    EXPECT_EQ(im.config.media_type, media_type::kOciConfig);
    EXPECT_EQ(im.config.size, 539u);
    ASSERT_EQ(im.layers.size(), 1u);
    EXPECT_EQ(im.layers[0].digest.to_string(),
              "sha256:278f8c41755a59163b2f1e4e89c1061a8eb7986aa07a1f0c7b421e943b848868");
    EXPECT_EQ(im.layers[0].size, 1084123u);
  }
}

TEST(Manifest, SkopeoDockerSchema2) {
  auto m = parse_manifest(read_testdata("skopeo_docker_manifest.json"), media_type::kDockerManifest);
  ASSERT_TRUE(m) << m.message();
  const auto& im = std::get<ImageManifest>(*m);
  EXPECT_EQ(im.media_type, media_type::kDockerManifest);
  EXPECT_EQ(im.config.media_type, media_type::kDockerConfig);
  ASSERT_EQ(im.layers.size(), 1u);
  media_type::Compression c{};
  ASSERT_TRUE(media_type::layer_compression(im.layers[0].media_type, &c));
  EXPECT_EQ(c, media_type::Compression::kGzip);
}

TEST(Manifest, OciLayoutIndex) {
  auto m = parse_manifest(read_testdata("umoci_index.json"), "");
  ASSERT_TRUE(m) << m.message();
  const auto& index = std::get<ImageIndex>(*m);
  EXPECT_EQ(index.media_type, media_type::kOciIndex);
  ASSERT_EQ(index.manifests.size(), 2u);
  EXPECT_FALSE(index.manifests[0].platform);
}

TEST(Manifest, ManifestListSelectsTheNodesPlatform) {
  auto m = parse_manifest(read_testdata("manifest_list.json"), media_type::kDockerManifestList);
  ASSERT_TRUE(m) << m.message();
  const auto& index = std::get<ImageIndex>(*m);
  ASSERT_EQ(index.manifests.size(), 6u);
  struct Case { Platform node; char want; };
  const Case cases[] = {
      {{"linux", "amd64", ""}, '1'},
      {{"linux", "x86_64", ""}, '1'},
      {{"linux", "arm64", ""}, '4'},        // arm64 means v8
      {{"linux", "aarch64", "v8"}, '4'},
      {{"linux", "arm", "v6"}, '3'},
      {{"linux", "arm", "v7"}, '3'},        // v7 runs v6 (the newest it can) rather than v5
      {{"linux", "arm", "v5"}, '2'},
      {{"windows", "amd64", ""}, '6'},
  };
  for (const auto& c : cases) {
    auto d = select_manifest(index, c.node);
    ASSERT_TRUE(d) << c.node.to_string() << ": " << d.message();
    EXPECT_EQ(d->digest.hex()[0], c.want) << c.node.to_string();
  }
}

TEST(Manifest, NoMatchingPlatformListsWhatIsOffered) {
  auto m = parse_manifest(read_testdata("manifest_list.json"), "");
  ASSERT_TRUE(m);
  auto d = select_manifest(std::get<ImageIndex>(*m), Platform{"linux", "riscv64", ""});
  ASSERT_FALSE(d);
  EXPECT_EQ(d.message(),
            "the image has no variant for this node's platform linux/riscv64; it offers: "
            "linux/amd64, linux/arm/v5, linux/arm/v6, linux/arm64/v8, linux/s390x, windows/amd64");
}

TEST(Manifest, BuildKitIndexSkipsAttestations) {
  auto m = parse_manifest(read_testdata("buildkit_index.json"), media_type::kOciIndex);
  ASSERT_TRUE(m) << m.message();
  const auto& index = std::get<ImageIndex>(*m);
  auto arm = select_manifest(index, Platform{"linux", "arm64", "v8"});
  ASSERT_TRUE(arm) << arm.message();
  EXPECT_EQ(arm->digest.hex()[0], 'a');
  auto amd = select_manifest(index, kAmd64);
  ASSERT_FALSE(amd);
  EXPECT_NE(amd.message().find("it offers: linux/arm64"), std::string::npos) << amd.message();
  EXPECT_EQ(amd.message().find("unknown"), std::string::npos) << amd.message();
}

TEST(ImageConfig, UmociConfig) {
  auto c = parse_image_config(read_testdata("umoci_config.json"));
  ASSERT_TRUE(c) << c.message();
  EXPECT_EQ(c->platform, (Platform{"linux", "amd64", ""}));
  EXPECT_EQ(c->entrypoint, std::vector<std::string>{"/bin/sh"});
  EXPECT_EQ(c->cmd, (std::vector<std::string>{"-c", "echo hi"}));
  EXPECT_EQ(c->env, std::vector<std::string>{"FOO=bar"});
  EXPECT_EQ(c->working_dir, "/tmp");
  EXPECT_EQ(c->user, "1000:1000");
  EXPECT_EQ(c->stop_signal, "SIGINT");
  EXPECT_EQ(c->exposed_ports, std::vector<std::string>{"80/tcp"});
  EXPECT_FALSE(c->healthcheck);
  ASSERT_EQ(c->diff_ids.size(), 1u);
  EXPECT_EQ(c->diff_ids[0].hex(), "02a7e215643a58ae8d019810d39fe73a1705625ebd5feb2ec8962e1500e40836");
}

TEST(ImageConfig, HealthcheckAndPorts) {
  auto c = parse_image_config(read_testdata("health_config.json"));
  ASSERT_TRUE(c) << c.message();
  EXPECT_EQ(c->platform, (Platform{"linux", "arm64", "v8"}));
  ASSERT_TRUE(c->healthcheck);
  EXPECT_EQ(c->healthcheck->test,
            (std::vector<std::string>{"CMD-SHELL", "curl -f http://localhost/ || exit 1"}));
  EXPECT_EQ(c->healthcheck->interval_ms, 30000u);
  EXPECT_EQ(c->healthcheck->timeout_ms, 5000u);
  EXPECT_EQ(c->healthcheck->start_period_ms, 10000u);
  EXPECT_EQ(c->healthcheck->retries, 3u);
  EXPECT_FALSE(c->healthcheck->disabled());
  EXPECT_EQ(c->exposed_ports, (std::vector<std::string>{"443/tcp", "53/udp", "80/tcp"}));
  EXPECT_EQ(c->stop_signal, "SIGQUIT");
  EXPECT_EQ(c->diff_ids.size(), 2u);
}

const std::string kD1 = "sha256:" + std::string(64, '1');

std::string manifest_with(const std::string& config_type, const std::string& layer) {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
         R"("config":{"mediaType":")" + config_type + R"(","digest":")" + kD1 + R"(","size":2},)"
         R"("layers":[)" + layer + "]}";
}

std::string layer(const std::string& type, const std::string& digest, const std::string& size) {
  return R"({"mediaType":")" + type + R"(","digest":")" + digest + R"(","size":)" + size + "}";
}

TEST(Manifest, CraftedBadOnes) {
  const std::string oci_cfg(media_type::kOciConfig);
  const std::string tgz = "application/vnd.oci.image.layer.v1.tar+gzip";
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "[";
  struct Case { std::string body; std::string content_type; std::string error_part; };
  const Case cases[] = {
      {"", "", "not valid JSON"},
      {"{", "", "not valid JSON"},
      {"[]", "", "not a JSON object"},
      {"{\"schemaVersion\":2} trailing", "", "not valid JSON"},
      {std::string(5u << 20, ' '), "", "at most 4194304"},
      {R"({"schemaVersion":2,"x":)" + deep, "", "nests deeper than 32"},
      {R"({"schemaVersion":2,"x":")" + std::string(70000, 'a') + "\"}", "", "string of 70000 bytes"},
      {R"({"schemaVersion":1,"name":"x","fsLayers":[]})", "", "schema 1"},
      {R"({"schemaVersion":2})", std::string(media_type::kDockerSchema1Signed), "schema 1"},
      {R"({"schemaVersion":3,"layers":[]})", "", "schemaVersion 3"},
      {R"({"schemaVersion":"2"})", "", "'schemaVersion' must be an integer"},
      {R"({"schemaVersion":2})", "", "neither a manifest nor an index"},
      {R"({"schemaVersion":2,"manifests":[],"layers":[]})", "", "has both"},
      {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})",
       std::string(media_type::kOciManifest), "served as"},
      {R"({"schemaVersion":2,"mediaType":"text/html"})", "", "'text/html' is not an image manifest"},
      {manifest_with("application/vnd.cncf.helm.config.v1+json", ""), "", "not a container image config"},
      {manifest_with(oci_cfg, layer("application/vnd.cncf.helm.chart.content.v1.tar+gzip", kD1, "1")), "",
       "layer 1: media type 'application/vnd.cncf.helm.chart.content.v1.tar+gzip' is not a filesystem layer"},
      {manifest_with(oci_cfg, layer(tgz, "sha256:abc", "1")), "", "layer 1: digest"},
      {manifest_with(oci_cfg, layer(tgz, "md5:" + std::string(32, '0'), "1")), "", "not supported"},
      {manifest_with(oci_cfg, layer(tgz, kD1, "-1")), "", "'size' must be a non-negative integer"},
      {manifest_with(oci_cfg, layer(tgz, kD1, "1.5")), "", "'size' must be a non-negative integer"},
      {manifest_with(oci_cfg, layer(tgz, kD1, "18446744073709551615")), "", "larger than"},
      {manifest_with(oci_cfg, R"({"digest":")" + kD1 + R"(","size":1})"), "", "'mediaType' is missing"},
      {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]})", "",
       "'config' is missing"},
      {R"({"schemaVersion":2,"manifests":[{"mediaType":"x","digest":")" + kD1 + R"(","size":1,"platform":{"os":"linux"}}]})",
       "", "entry 1: platform: 'architecture' is missing"},
  };
  for (const auto& c : cases) {
    auto m = parse_manifest(c.body, c.content_type);
    ASSERT_FALSE(m) << c.body.substr(0, 200);
    EXPECT_NE(m.message().find(c.error_part), std::string::npos)
        << m.message() << "\n  expected to mention: " << c.error_part;
  }
}

TEST(Manifest, LayerAndEntryCountsAreBounded) {
  std::string layers;
  for (int i = 0; i < 257; ++i) {
    layers += (i ? "," : "") + layer("application/vnd.oci.image.layer.v1.tar", kD1, "1");
  }
  auto m = parse_manifest(manifest_with(std::string(media_type::kOciConfig), layers), "");
  ASSERT_FALSE(m);
  EXPECT_NE(m.message().find("257 layers; at most 256"), std::string::npos) << m.message();
}

TEST(ImageConfig, CraftedBadOnes) {
  const std::string rootfs = R"("rootfs":{"type":"layers","diff_ids":[]})";
  struct Case { std::string body; std::string error_part; };
  const Case cases[] = {
      {R"({"os":"linux"})", "'architecture' is missing"},
      {R"({"os":"linux","architecture":"amd64"})", "'rootfs' is missing"},
      {R"({"os":"linux","architecture":"amd64","rootfs":{"type":"x","diff_ids":[]}})", "not 'layers'"},
      {R"({"os":"linux","architecture":"amd64","rootfs":{"type":"layers","diff_ids":["sha256:1"]}})", "diff_ids"},
      {R"({"os":"linux","architecture":"amd64","config":{"Cmd":"ls"},)" + rootfs + "}", "'Cmd' must be an array"},
      {R"({"os":"linux","architecture":"amd64","config":{"Env":["NOEQUALS"]},)" + rootfs + "}", "has no '='"},
      {R"({"os":"linux","architecture":"amd64","config":{"Healthcheck":{"Test":["RUN","x"]}},)" + rootfs + "}",
       "must start with NONE, CMD or CMD-SHELL"},
      {R"({"os":"linux","architecture":"amd64","config":{"Healthcheck":{"Test":["CMD"]}},)" + rootfs + "}",
       "names no command"},
      {R"({"os":"linux","architecture":"amd64","config":{"Healthcheck":{"Test":["CMD","x"],"Retries":-1}},)" + rootfs + "}",
       "'Retries' must be a non-negative integer"},
      {R"({"os":"linux","architecture":"amd64","config":{"ExposedPorts":["80"]},)" + rootfs + "}",
       "'ExposedPorts' must be an object"},
  };
  for (const auto& c : cases) {
    auto r = parse_image_config(c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_NE(r.message().find(c.error_part), std::string::npos) << r.message() << " / " << c.error_part;
  }
}

TEST(ImageConfig, NullsAreEmpty) {
  auto c = parse_image_config(
      R"({"os":"linux","architecture":"amd64","config":{"Entrypoint":null,"Cmd":null,"Env":null,)"
      R"("Healthcheck":{"Test":["NONE"]}},"rootfs":{"type":"layers","diff_ids":[]}})");
  ASSERT_TRUE(c) << c.message();
  EXPECT_TRUE(c->entrypoint.empty());
  EXPECT_TRUE(c->healthcheck->disabled());
}

// Law: no byte string crashes the parsers; corrupting a real manifest never yields a
// manifest with a different layer list (either the same document or an error).
RC_GTEST_PROP(Manifest, ArbitraryBytesAreSafe, (const std::string& bytes)) {
  (void)parse_manifest(bytes, "");
  (void)parse_image_config(bytes);
}

RC_GTEST_PROP(Manifest, MutatedRealManifestIsSafe, ()) {
  std::string body = read_testdata("skopeo_docker_manifest.json");
  const auto pos = *rc::gen::inRange<std::size_t>(0, body.size());
  body[pos] = *rc::gen::arbitrary<char>();
  auto m = parse_manifest(body, "");
  if (m && std::holds_alternative<ImageManifest>(*m)) {
    RC_ASSERT(std::get<ImageManifest>(*m).layers.size() == 1u);
  }
}

}  // namespace
}  // namespace shoal::image
