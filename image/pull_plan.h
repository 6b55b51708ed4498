// What a pull still has to fetch, and the catalog record it ends with. Pure: the shell
// (agent/image_commands.cc) asks the registry, then feeds the answers here.
//
// Order: the config first (it carries the diff_ids that key the unpacked layers, and it is
// small, so a broken image fails before its layers are downloaded), then the layers bottom
// first (the order they are stacked and unpacked). A blob the store already holds is skipped;
// a blob named twice (an image that repeats a layer) is fetched once.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "image/image_catalog.h"
#include "image/image_config.h"
#include "image/manifest.h"

namespace shoal::image {

// The blobs of `manifest` not in `held`, in fetch order.
std::vector<Descriptor> blobs_to_fetch(const ImageManifest& manifest, const std::set<Digest>& held);

// The catalog record of a pulled image. Fails when the config's diff_ids do not pair one to
// one with the manifest's layers (the layers could not be unpacked and checked).
Result<ImageRecord> record_for_pull(const Descriptor& manifest, const ImageManifest& parsed,
                                    const ImageConfig& config, std::uint64_t now_ms);

}  // namespace shoal::image
