#include "agent/docker_ids.h"

#include <sodium.h>

namespace shoal {

std::string docker_id(std::string_view kind, std::string_view identity) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(kind.data()), kind.size());
  const unsigned char zero = 0;
  crypto_hash_sha256_update(&st, &zero, 1);
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(identity.data()), identity.size());
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, digest);
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sizeof digest);
  for (unsigned char b : digest) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 15]);
  }
  return out;
}

DockerIdLookup find_by_id_or_name(const std::vector<DockerIdCandidate>& candidates, std::string_view ref) {
  if (ref.empty()) return {};
  for (std::size_t i = 0; i < candidates.size(); ++i)
    if (candidates[i].id == ref) return {DockerIdLookup::kFound, i};
  for (std::size_t i = 0; i < candidates.size(); ++i)
    if (!candidates[i].name.empty() && candidates[i].name == ref) return {DockerIdLookup::kFound, i};
  DockerIdLookup found;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (candidates[i].id.compare(0, ref.size(), ref) != 0) continue;
    if (found.outcome == DockerIdLookup::kFound) return {DockerIdLookup::kAmbiguous, 0};
    found = {DockerIdLookup::kFound, i};
  }
  return found;
}

}  // namespace shoal
