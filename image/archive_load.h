// `shoal image load FILE`: images from a `docker save` archive (manifest.json + config +
// layer tars) or an OCI image layout (oci-layout + index.json + blobs/sha256/...), as a
// directory or a tar. For air-gapped sites: no registry involved.
//
// Everything in the archive is untrusted. A tar is first extracted with the layer unpacker's
// rules (no escapes, no devices, bounded) into the store's tmp/ dir; every file is then
// opened with openat2(RESOLVE_IN_ROOT), so a symlink inside the archive cannot make the loader
// read outside it. Each blob goes into the store verified: OCI blobs against their
// descriptors' digest and size; `docker save` configs against their file names, and layers
// against the config's diff_ids (their uncompressed digest).
//
// A `docker save` archive has no manifest: shoal writes an OCI manifest for it (config and
// layers as stored), so its manifest digest is shoal's own, not a registry's (as with
// `docker load`, which keeps no RepoDigests either).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "image/blob_store.h"
#include "image/image_catalog.h"
#include "image/platform.h"

namespace shoal::image {

struct LoadOptions {
  // Registry for names without one ("busybox:1" in RepoTags): the agent's default registry.
  std::string default_registry;
  // For OCI layouts whose ref.name annotation is only a tag ("1", as skopeo writes for
  // oci:DIR:1): the repository to put it under ("" -> such images are loaded untagged).
  std::string repository_for_bare_tags;
  // Which manifest of an index to load.
  Platform platform = host_platform();
  std::uint64_t now_ms = 0;  // last-used time of the loaded images
  // Bound on an archive's total extracted size and entry count (same meaning as for layers).
  std::uint64_t max_total_bytes = std::uint64_t{64} << 30;
  std::uint64_t max_entries = 100'000;
};

struct LoadedImage {
  Digest manifest;
  std::vector<std::string> names;  // canonical name:tag strings, as tagged in the catalog
};

// Loads every image of the archive at `path` (file or directory) into `store` and records
// it in `catalog` (which the caller then saves). Nothing is recorded unless every blob of an
// image verified.
Result<std::vector<LoadedImage>> load_image_archive(const std::string& path, const BlobStore& store,
                                                    ImageCatalog& catalog, const LoadOptions& options);

}  // namespace shoal::image
