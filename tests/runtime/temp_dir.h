// A temp dir for one test, removed with everything in it when the test ends.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace shoal::runtime::testing {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/shoal-logs-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace shoal::runtime::testing
