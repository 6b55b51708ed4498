// `shoal image ls` rows and the `image rm` decision, from the catalog and from which services
// name which image. Pure: the agent gathers the inputs and renders the rows.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "image/image_catalog.h"

namespace shoal::image {

// Services by the manifest they run (the agent derives it from the desired state).
using ImageUsers = std::map<Digest, std::vector<std::string>>;

struct ImageRow {
  std::string repository;  // "127.0.0.1:5000/busybox"; "<none>" for an untagged image
  std::string tag;         // "1"; "<none>" for an untagged image
  Digest digest;           // the manifest digest
  std::uint64_t size = 0;  // manifest + config + layers (compressed), each distinct blob once
  std::vector<std::string> services;  // services whose spec names this image, sorted
  bool operator==(const ImageRow&) const = default;
};

// One row per name (sorted by name), and one "<none>" row per image without a name.
std::vector<ImageRow> image_rows(const ImageCatalog& catalog, const ImageUsers& users);

// Sum of the distinct blobs of one image.
std::uint64_t image_size(const ImageRecord& record);

// What `image rm NAME` does: the name goes; the image goes too when no other name points at
// it. Refused (nothing changes) while a service uses the image.
struct RemovePlan {
  std::string untag;                  // the name to drop ("" when removing by digest)
  bool remove_image = false;          // no name is left: forget the image
  PrunePlan blobs;                    // when remove_image: the blobs no other image references
};
// `name_or_digest` is a canonical name:tag or a "sha256:..." manifest digest.
Result<RemovePlan> plan_remove(const ImageCatalog& catalog, const std::string& name_or_digest,
                               const ImageUsers& users);

// The diff_ids of unpacked layers that no image is left to use once `removed` are gone from
// `catalog` (the layer dirs to delete after a prune or rm), sorted.
std::vector<Digest> layers_freed(const ImageCatalog& catalog, const std::vector<Digest>& removed);

}  // namespace shoal::image
