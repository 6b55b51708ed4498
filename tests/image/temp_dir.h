// A fresh directory under $TMPDIR for one test, removed (without following symlinks) after.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "image/file_io.h"

namespace shoal::image::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/shoal-image-test.XXXXXX";
    SHOAL_ASSERT(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() { (void)remove_tree(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace shoal::image::testing
