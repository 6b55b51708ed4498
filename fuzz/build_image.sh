#!/usr/bin/env bash
# Builds fuzz/image_fuzz.cc (image/: references, manifests, configs, catalog, layer unpack)
# with clang's libFuzzer + ASan/UBSan and runs it for N seconds. Run as root so whiteouts and
# ownership are exercised. Not part of the meson build or CI.   Usage: fuzz/build_image.sh [SECONDS=60]
# Needs: clang (scripts/deps.sh fuzz), libsodium-dev, libarchive-dev, nlohmann-json3-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
out=build-fuzz
mkdir -p "$out/image-corpus"
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -include utility -I. \
  fuzz/image_fuzz.cc \
  image/digest.cc image/reference.cc image/json_limits.cc image/platform.cc image/manifest.cc \
  image/image_config.cc image/image_catalog.cc image/layer_unpack.cc image/file_io.cc \
  -lsodium -larchive -o "$out/image_fuzz"
# Seed corpus: the real manifests and configs of the tests.
cp -n tests/image/data/*.json "$out/image-corpus/" 2>/dev/null || true
"$out/image_fuzz" -max_total_time="$secs" -max_len=65536 "$out/image-corpus"
