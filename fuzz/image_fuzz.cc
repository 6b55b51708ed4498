// libFuzzer target: untrusted bytes through image/'s parsers (reference, digest, manifest,
// index, image config, catalog file) and, as a layer, through the unpacker into a scratch
// directory (no diff_id check, so the fuzzer reaches the entries). Nothing may crash, hang,
// leak, or create anything outside the scratch directory.
// Build and run: fuzz/build_image.sh SECONDS
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "image/digest.h"
#include "image/file_io.h"
#include "image/image_catalog.h"
#include "image/image_config.h"
#include "image/layer_unpack.h"
#include "image/manifest.h"
#include "image/reference.h"

namespace {

const std::string& scratch() {
  static const std::string dir = [] {
    std::string t = "/tmp/shoal-image-fuzz.XXXXXX";
    if (!::mkdtemp(t.data())) __builtin_trap();
    return t;
  }();
  return dir;
}

std::size_t entries(const std::string& dir) {
  std::size_t n = 0;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) n += std::string(e->d_name) != "." && std::string(e->d_name) != "..";
    ::closedir(d);
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace shoal::image;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto r = parse_reference(text, "registry.test:5000")) {
    // Law: the canonical string re-parses to the same reference.
    auto again = parse_reference(r->canonical_string(), "docker.io");
    if (!again || !(*again == *r)) __builtin_trap();
  }
  (void)Digest::parse(text);
  (void)parse_manifest(text, "");
  (void)parse_image_config(text);
  (void)ImageCatalog::decode(text);

  // As a layer: the scratch dir holds only the blob and the target, before and after.
  const std::string blob = scratch() + "/layer", target = scratch() + "/target";
  (void)remove_tree(target);
  if (!make_dirs(target)) __builtin_trap();
  std::ofstream(blob, std::ios::binary).write(text.data(), static_cast<std::streamsize>(size));
  UnpackOptions o;
  o.max_total_bytes = 8u << 20;
  o.max_entries = 1000;
  (void)unpack_layer(blob, target, std::nullopt, o);
  if (entries(scratch()) != 2) __builtin_trap();
  return 0;
}
