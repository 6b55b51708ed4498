// The images a node holds: which manifest each name:tag points at, and per manifest the blobs
// it needs (config, layers) with their sizes and when it was last used. Pure data with a
// checksummed encoding (common/checksummed.h, as the agent's state.bin); the shell saves it
// with write_file_atomic after every change, so a crash leaves the previous catalog or the new
// one, and a torn or edited file is detected.
//
// Names are canonical reference strings without digest ("r:5000/team/web:1"). Blobs are
// shared between images; sizes are counted once per distinct blob.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "image/digest.h"

namespace shoal::image {

struct BlobRef {
  Digest digest;
  std::uint64_t size = 0;
  bool operator==(const BlobRef&) const = default;
};

struct ImageRecord {
  Digest manifest;
  std::uint64_t manifest_size = 0;
  BlobRef config;
  std::vector<BlobRef> layers;   // compressed layer blobs, bottom first
  std::vector<Digest> diff_ids;  // uncompressed digests (key the unpacked layer dirs)
  std::uint64_t last_used_ms = 0;  // wall clock of the last pull/load/task start (LRU)

  // Every blob of the image, manifest included.
  std::vector<BlobRef> blobs() const;
  bool operator==(const ImageRecord&) const = default;
};

class ImageCatalog {
 public:
  // Bounds (the decoder refuses more): names per node and images per node. A node with more
  // than 10,000 images has a garbage-collection problem, not a capacity need.
  static constexpr std::size_t kMaxImages = 10'000;
  static constexpr std::size_t kMaxNames = 50'000;
  static constexpr std::size_t kMaxEncodedBytes = 64u << 20;

  // Records an image (replacing a record of the same manifest, keeping the later last_used).
  void add(ImageRecord record);
  // Points `name` (canonical name:tag) at a held manifest; moving a tag is allowed.
  Status tag(const std::string& name, const Digest& manifest);
  void untag(const std::string& name);
  // Forgets an image and every name pointing at it.
  void remove(const Digest& manifest);
  void touch(const Digest& manifest, std::uint64_t now_ms);

  const ImageRecord* find(const Digest& manifest) const;
  std::optional<Digest> resolve(const std::string& name) const;
  std::vector<std::string> names_of(const Digest& manifest) const;
  const std::map<Digest, ImageRecord>& images() const { return images_; }
  const std::map<std::string, Digest>& names() const { return names_; }

  // Bytes of all distinct blobs the catalog references.
  std::uint64_t total_bytes() const;
  // Distinct blobs referenced by any image (what must stay in the blob store).
  std::set<Digest> referenced_blobs() const;

  // The JSON sealed by common/checksummed.h. decode checks the checksum, then every field; it
  // also reads the format before that ("<sha256 hex of the JSON>\n<JSON>"), so a catalog
  // written by an older shoal loads and is rewritten in the current format on its next save.
  std::string encode() const;
  static Result<ImageCatalog> decode(std::string_view text);

  bool operator==(const ImageCatalog&) const = default;

 private:
  std::map<Digest, ImageRecord> images_;
  std::map<std::string, Digest> names_;
};

// Garbage collection plan (pure): which images to remove, least recently used first, so the
// catalog fits in `budget_bytes`; images in `in_use` (the manifests of services this node may
// run) are never removed. budget_bytes == 0 means "remove every unused image" (`image prune`).
struct PrunePlan {
  std::vector<Digest> remove_images;  // in removal order
  std::vector<Digest> remove_blobs;   // blobs no remaining image references, sorted
  std::uint64_t bytes_before = 0;
  std::uint64_t bytes_after = 0;
};
PrunePlan plan_prune(const ImageCatalog& catalog, const std::set<Digest>& in_use,
                     std::uint64_t budget_bytes);

}  // namespace shoal::image
