// OCI image manifests and indexes, and their Docker v2 schema2 twins (manifest, manifest
// list), parsed from untrusted bytes: bounded before parsing (json_limits.h), media types
// checked, every digest and size validated. Schema 1 manifests are refused with a hint.
// Pure: bytes in, values or an error out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"
#include "image/digest.h"
#include "image/platform.h"

namespace shoal::image {

struct ManifestLimits {
  // Layers of one image. Docker's own limit is 127 (overlayfs stacks were shallow); 256
  // leaves room, and the overlay mount options must still fit in a page (rootfs.h).
  std::size_t max_layers = 256;
  // Entries of one index: real multi-arch indexes have < 20 (with attestations < 40).
  std::size_t max_manifests = 1024;
  // Largest blob a descriptor may announce (1 TiB): sizes feed disk-budget arithmetic, so a
  // hostile 2^64-1 must not wrap it.
  std::uint64_t max_blob_bytes = std::uint64_t{1} << 40;
};

struct Descriptor {
  std::string media_type;
  Digest digest;
  std::uint64_t size = 0;
  std::optional<Platform> platform;  // index entries only

  bool operator==(const Descriptor&) const = default;
};

struct ImageManifest {
  std::string media_type;          // OCI or Docker schema2 manifest
  Descriptor config;               // an image config (media type checked)
  std::vector<Descriptor> layers;  // bottom first; media types are filesystem layers
};

struct ImageIndex {
  std::string media_type;              // OCI index or Docker manifest list
  std::vector<Descriptor> manifests;   // each has a platform (none: "unknown/unknown")
};

using ParsedManifest = std::variant<ImageManifest, ImageIndex>;

// Parses a manifest or index. `content_type` is the registry's Content-Type (or the media type
// of the descriptor that pointed here); it may be empty, and then the body's own mediaType
// (or, for old OCI documents without one, its shape) decides. A body whose mediaType
// contradicts a known content type is refused: a registry must not switch kinds.
Result<ParsedManifest> parse_manifest(std::string_view body, std::string_view content_type,
                                      const ManifestLimits& limits = {});

// The manifest of an index for `node` (see platform.h), or an error listing what is offered.
// Entries that are not image manifests (attestations, nested indexes) are skipped.
Result<Descriptor> select_manifest(const ImageIndex& index, const Platform& node);

}  // namespace shoal::image
