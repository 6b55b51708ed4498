// The real test image (tests/image/make_test_image.sh: umoci + busybox-static, two layers, the
// second with whiteouts) in the three forms `image load` takes, built once per test binary.
// Needs root (umoci unpack keeps owners) and umoci + skopeo; tests skip with the reason
// otherwise.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "tests/image/temp_dir.h"

namespace shoal::image::testing {

class RealImage {
 public:
  // ok() false when the image cannot be built here: skip_reason() says why (not root), or
  // missing() does (a tool scripts/deps.sh installs is absent: a failure, not a skip).
  static const RealImage& get() {
    static RealImage image;
    return image;
  }
  bool ok() const { return skip_reason_.empty() && missing_.empty(); }
  const std::string& skip_reason() const { return skip_reason_; }
  const std::string& missing() const { return missing_; }
  std::string oci_dir() const { return dir_ / "oci"; }              // OCI layout dir, tag v2
  std::string oci_archive() const { return dir_ / "oci.tar"; }      // oci-archive, ref.name test/app:v2
  std::string docker_archive() const { return dir_ / "docker.tar"; }  // docker save, test/app:v2

 private:
  RealImage() {
    if (::geteuid() != 0) { skip_reason_ = "building the test image with umoci needs root"; return; }
    if (std::system("command -v umoci >/dev/null && command -v skopeo >/dev/null") != 0) {
      missing_ = "umoci and skopeo are not installed (scripts/deps.sh installs them)";
      return;
    }
    const char* script = std::getenv("SHOAL_MAKE_TEST_IMAGE");
    SHOAL_ASSERT(script != nullptr);  // set by tests/image/meson.build
    const std::string cmd = std::string(script) + " " + oci_dir() + " >/dev/null && " +
                            "skopeo copy -q oci:" + oci_dir() + ":v2 oci-archive:" + oci_archive() + ":test/app:v2 && " +
                            "skopeo copy -q oci:" + oci_dir() + ":v2 docker-archive:" + docker_archive() + ":test/app:v2";
    SHOAL_ASSERT(std::system(cmd.c_str()) == 0);
  }
  TempDir dir_;
  std::string skip_reason_;
  std::string missing_;
};

#define SHOAL_REQUIRE_REAL_IMAGE()                                         \
  do {                                                                    \
    const auto& real_image = ::shoal::image::testing::RealImage::get();   \
    if (!real_image.missing().empty()) FAIL() << real_image.missing();     \
    if (!real_image.ok()) GTEST_SKIP() << real_image.skip_reason();       \
  } while (0)

}  // namespace shoal::image::testing
