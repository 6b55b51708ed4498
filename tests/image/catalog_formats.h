// The image catalog file's two formats, written out by hand rather than taken from the code
// under test, so a change to either on-disk format fails a test instead of passing unnoticed.
#pragma once

#include <string>
#include <string_view>

#include "common/checksummed.h"
#include "image/digest.h"
#include "image/image_catalog.h"

namespace shoal::image::testing {

// As shoal wrote it before the catalog used common/checksummed.h: "<sha256 hex of the
// JSON>\n<JSON>" (nlohmann's dump, keys sorted).
inline const std::string kLegacyCatalog =
    "b2264c5748e13c7d2c631a588e050ca1bf71078563ac8958da16c7750d3925e6\n"
    R"({"images":[{"config":{"digest":"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","size":2},)"
    R"("diff_ids":["sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"],)"
    R"("digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","last_used_ms":5,)"
    R"("layers":[{"digest":"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc","size":3}],)"
    R"("size":1}],"names":{"r:5000/a:1":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},)"
    R"("version":1})";

// What kLegacyCatalog holds.
inline ImageCatalog legacy_catalog_contents() {
  auto digest = [](char c) { return Digest::parse("sha256:" + std::string(64, c)).value(); };
  ImageRecord r;
  r.manifest = digest('a');
  r.manifest_size = 1;
  r.config = {digest('b'), 2};
  r.layers = {{digest('c'), 3}};
  r.diff_ids = {digest('d')};
  r.last_used_ms = 5;
  ImageCatalog c;
  c.add(r);
  SHOAL_ASSERT(c.tag("r:5000/a:1", r.manifest).ok());
  return c;
}

// The current format: common/checksummed.h with this magic.
inline constexpr Magic kCatalogMagic = {'S', 'H', 'O', 'A', 'L', 'I', 'C', 1};

inline bool in_current_format(std::string_view file) { return has_magic(file, kCatalogMagic); }

}  // namespace shoal::image::testing
