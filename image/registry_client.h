// The registry client interface: what the node core and the image store need from an OCI
// Distribution registry. HttpRegistryClient (http_registry_client.h) is the real one; tests and
// the simulator plug in their own (e.g. one backed by a directory or by peers).
//
// Guarantees every implementation keeps:
//   - a returned manifest's bytes hash to the returned digest (and to the digest asked for);
//   - fetch_blob declares a file complete only after its size and SHA-256 match; until then the
//     bytes live in `<dest>.partial` and are never at `dest`;
//   - errors are RegistryErrors naming registry, repository and HTTP status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "image/digest.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/registry_error.h"

namespace shoal::image {

// Media types a manifest request accepts, in preference order (the Accept header).
inline constexpr std::string_view kMediaTypeOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kMediaTypeOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kMediaTypeDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kMediaTypeDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";

// A manifest larger than this is refused before it is read whole: real manifests and indexes
// are a few KiB; 4 MiB is what containerd and the distribution spec allow.
inline constexpr std::size_t kMaxManifestBytes = 4 * 1024 * 1024;

struct FetchedManifest {
  Descriptor descriptor;  // digest of `bytes`, media type from Content-Type, size
  std::string bytes;      // exactly the bytes that hash to descriptor.digest
};

struct BlobFetchStats {
  std::uint64_t bytes_received = 0;  // body bytes received over the network, all attempts
  std::uint64_t resumed_from = 0;    // the largest Range start used (0: never resumed)
  std::uint32_t attempts = 0;        // requests made (retries included, auth dance excluded)
};

class RegistryClient {
 public:
  virtual ~RegistryClient() = default;

  // The manifest `ref` names (its digest if pinned, else its tag) -> its descriptor (HEAD, or
  // GET when the registry omits Docker-Content-Digest). A pinned reference is checked against
  // what the registry announces.
  virtual Result<Descriptor, RegistryError> resolve(const Reference& ref) = 0;

  // The manifest's bytes, verified against their digest (and against ref.digest if pinned);
  // bounded by kMaxManifestBytes.
  virtual Result<FetchedManifest, RegistryError> fetch_manifest(const Reference& ref) = 0;

  // Blob `blob` (digest + size) of repository ref.registry/ref.path into `dest_path`, via
  // `dest_path + ".partial"` (resumed when that file exists). On success `dest_path` holds
  // exactly the verified blob; on failure it does not exist.
  virtual Result<BlobFetchStats, RegistryError> fetch_blob(const Reference& ref,
                                                           const Descriptor& blob,
                                                           const std::string& dest_path) = 0;
};

}  // namespace shoal::image
