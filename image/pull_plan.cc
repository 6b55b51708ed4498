#include "image/pull_plan.h"

namespace shoal::image {

std::vector<Descriptor> blobs_to_fetch(const ImageManifest& manifest, const std::set<Digest>& held) {
  std::vector<Descriptor> out;
  std::set<Digest> planned;
  auto want = [&](const Descriptor& d) {
    if (held.count(d.digest) || !planned.insert(d.digest).second) return;
    out.push_back(d);
  };
  want(manifest.config);
  for (const auto& layer : manifest.layers) want(layer);
  return out;
}

Result<ImageRecord> record_for_pull(const Descriptor& manifest, const ImageManifest& parsed,
                                    const ImageConfig& config, std::uint64_t now_ms) {
  if (config.diff_ids.size() != parsed.layers.size())
    return make_error("image config lists " + std::to_string(config.diff_ids.size()) +
                      " layer diff_ids but the manifest has " + std::to_string(parsed.layers.size()) +
                      " layers: the image is broken");
  ImageRecord r;
  r.manifest = manifest.digest;
  r.manifest_size = manifest.size;
  r.config = {parsed.config.digest, parsed.config.size};
  for (const auto& l : parsed.layers) r.layers.push_back({l.digest, l.size});
  r.diff_ids = config.diff_ids;
  r.last_used_ms = now_ms;
  return r;
}

}  // namespace shoal::image
