// The image catalog on disk (<data dir>/images/catalog) and the shell side of garbage
// collection: the catalog is saved atomically after every change, and blobs a prune plan
// frees are deleted only after the catalog without their images is saved, so a crash in
// between leaves unreferenced blobs (found by the next prune), never an image missing blobs.
#pragma once

#include <string>

#include "common/result.h"
#include "image/blob_store.h"
#include "image/image_catalog.h"

namespace shoal::image {

// A missing file is an empty catalog (a fresh node); a corrupt one is an error naming it.
Result<ImageCatalog> load_catalog(const std::string& path);
Status save_catalog(const std::string& path, const ImageCatalog& catalog);

// Applies `plan` (from plan_prune on `catalog`): removes its images from the catalog, saves
// it, then deletes the freed blobs.
Status apply_prune(const PrunePlan& plan, const std::string& catalog_path, ImageCatalog& catalog,
                   const BlobStore& store);

}  // namespace shoal::image
