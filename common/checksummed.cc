#include "common/checksummed.h"

#include <cstring>

#include <xxhash.h>

namespace shoal {

namespace {

std::uint64_t checksum_of(const void* data, std::size_t size) { return XXH3_64bits(data, size); }

}  // namespace

bool has_magic(std::string_view data, const Magic& magic) {
  return data.size() >= magic.size() && std::memcmp(data.data(), magic.data(), magic.size()) == 0;
}

Bytes seal_checksummed(const Magic& magic, const Bytes& payload) {
  Bytes out(magic.begin(), magic.end());
  std::uint64_t sum = checksum_of(payload.data(), payload.size());
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(sum >> (8 * i)));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Result<std::string_view> open_checksummed(const Magic& magic, std::string_view data) {
  if (!has_magic(data, magic)) return make_error("not in the expected format (no header)");
  if (data.size() < kChecksummedHeaderBytes) return make_error("truncated header");
  std::uint64_t stored = 0;
  for (int i = 0; i < 8; ++i)
    stored |= std::uint64_t{static_cast<std::uint8_t>(data[magic.size() + i])} << (8 * i);
  std::string_view payload = data.substr(kChecksummedHeaderBytes);
  if (checksum_of(payload.data(), payload.size()) != stored)
    return make_error("checksum mismatch (the file was changed, truncated or damaged on disk)");
  return payload;
}

}  // namespace shoal
