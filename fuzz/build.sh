#!/usr/bin/env bash
# Builds fuzz/decode_fuzz.cc with clang's libFuzzer + ASan/UBSan and runs it for N seconds.
# Not part of the meson build or CI.   Usage: fuzz/build.sh [SECONDS=60]
# Needs: clang (scripts/deps.sh fuzz), libsodium-dev, libxxhash-dev, libmsgpack-cxx-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
out=build-fuzz
mkdir -p "$out/corpus"
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -include utility -I. \
  fuzz/decode_fuzz.cc \
  membership/messages.cc membership/node_meta.cc membership/config.cc membership/swim.cc \
  membership/broadcast_queue.cc membership/suspicion.cc \
  common/envelope.cc common/node_id.cc common/keyring.cc \
  -lsodium -lxxhash -o "$out/decode_fuzz"
# Seed corpus: one valid packet of each kind, so the fuzzer starts past the envelope.
if [ -z "$(ls -A "$out/corpus")" ]; then
  clang++ -std=c++20 -O1 -include utility -I. -x c++ - \
    membership/messages.cc common/envelope.cc common/node_id.cc -lxxhash -o "$out/make_corpus" <<'CC'
#include <cstdio>
#include <string>
#include "membership/messages.h"
using namespace shoal; using namespace shoal::membership;
int main(int, char** argv) {
  std::vector<Message> ms{Ping{1, "fuzz", "peer"}, Ack{1}, PingReq{2, "x", "addr-x", true}, Nack{2},
    Suspect{"x", 1, "peer"}, Alive{"x", "addr-x", 2, Bytes{0x95, 0x80, 0, 0, 0x90, 0xa0}},
    Dead{"x", 3, "peer"}, Leave{"x", 4}, UserMsg{"peer", 5, Bytes{1, 2}},
    PushPull{"peer", true, false, {PushPullEntry{"peer", "addr-peer", 0, 1, Bytes{0x95, 0x80, 0, 0, 0x90, 0xa0}}}, Bytes{7}}};
  std::vector<Bytes> parts;
  int i = 0;
  auto write = [&](const Bytes& b) {
    std::string path = std::string(argv[1]) + "/seed" + std::to_string(i++);
    FILE* f = std::fopen(path.c_str(), "wb"); std::fwrite(b.data(), 1, b.size(), f); std::fclose(f);
  };
  for (auto& m : ms) { parts.push_back(encode_message(m)); write(parts.back()); }
  parts.pop_back();
  write(encode_compound(parts));
}
CC
  "$out/make_corpus" "$out/corpus"
fi
"$out/decode_fuzz" -max_total_time="$secs" -max_len=4096 -rss_limit_mb=2048 "$out/corpus"
