// Fixture files of tests/image/data (real JSON written by umoci and skopeo, and indexes in the
// shape Docker Hub and BuildKit serve). meson passes the folder in SHOAL_IMAGE_TESTDATA.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace shoal::image::testing {

inline std::string read_testdata(const std::string& name) {
  const char* dir = std::getenv("SHOAL_IMAGE_TESTDATA");
  SHOAL_ASSERT(dir != nullptr);  // set by tests/image/meson.build
  std::ifstream in(std::string(dir) + "/" + name, std::ios::binary);
  SHOAL_ASSERT(in.good());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace shoal::image::testing
