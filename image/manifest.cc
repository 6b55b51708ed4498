#include "image/manifest.h"

#include "image/json_limits.h"
#include "image/media_type.h"

namespace shoal::image {
namespace {

using nlohmann::json;

Error at(const std::string& where, const std::string& why) {
  return make_error(where + ": " + why);
}

Result<Platform> parse_platform(const json& obj) {
  Platform p;
  auto os = json_string(obj, "os", true);
  if (!os) return os.error();
  auto arch = json_string(obj, "architecture", true);
  if (!arch) return arch.error();
  auto variant = json_string(obj, "variant", false);
  if (!variant) return variant.error();
  return Platform{*os, *arch, *variant};
}

Result<Descriptor> parse_descriptor(const json& obj, const ManifestLimits& limits) {
  if (!obj.is_object()) return make_error("a descriptor is not an object");
  auto media_type = json_string(obj, "mediaType", true);
  if (!media_type) return media_type.error();
  auto digest_text = json_string(obj, "digest", true);
  if (!digest_text) return digest_text.error();
  auto digest = Digest::parse(*digest_text);
  if (!digest) return digest.error();
  auto size = json_uint(obj, "size", true);
  if (!size) return size.error();
  if (*size > limits.max_blob_bytes) {
    return make_error("size " + std::to_string(*size) + " is larger than the " +
                      std::to_string(limits.max_blob_bytes) + "-byte limit");
  }
  Descriptor d{*media_type, *digest, *size, std::nullopt};
  auto platform = json_object(obj, "platform");
  if (!platform) return platform.error();
  if (*platform) {
    auto p = parse_platform(**platform);
    if (!p) return make_error("platform: " + p.message());
    d.platform = *p;
  }
  return d;
}

Result<ImageManifest> parse_image_manifest(const json& doc, std::string media_type,
                                           const ManifestLimits& limits) {
  ImageManifest m;
  m.media_type = std::move(media_type);
  auto config = json_object(doc, "config");
  if (!config) return config.error();
  if (!*config) return make_error("'config' is missing");
  auto cd = parse_descriptor(**config, limits);
  if (!cd) return at("config", cd.message());
  if (!media_type::is_config(cd->media_type)) {
    return make_error("config media type '" + cd->media_type +
                      "' is not a container image config (an artifact, not an image)");
  }
  m.config = *cd;
  auto layers = json_array(doc, "layers");
  if (!layers) return layers.error();
  if (!*layers) return make_error("'layers' is missing");
  if ((*layers)->size() > limits.max_layers) {
    return make_error(std::to_string((*layers)->size()) + " layers; at most " +
                      std::to_string(limits.max_layers) + " are supported");
  }
  for (std::size_t i = 0; i < (*layers)->size(); ++i) {
    auto d = parse_descriptor((**layers)[i], limits);
    const std::string where = "layer " + std::to_string(i + 1);
    if (!d) return at(where, d.message());
    if (!media_type::layer_compression(d->media_type, nullptr)) {
      return at(where, "media type '" + d->media_type + "' is not a filesystem layer");
    }
    m.layers.push_back(*d);
  }
  return m;
}

Result<ImageIndex> parse_image_index(const json& doc, std::string media_type,
                                     const ManifestLimits& limits) {
  ImageIndex index;
  index.media_type = std::move(media_type);
  auto manifests = json_array(doc, "manifests");
  if (!manifests) return manifests.error();
  if (!*manifests) return make_error("'manifests' is missing");
  if ((*manifests)->size() > limits.max_manifests) {
    return make_error(std::to_string((*manifests)->size()) + " entries; at most " +
                      std::to_string(limits.max_manifests) + " are supported");
  }
  for (std::size_t i = 0; i < (*manifests)->size(); ++i) {
    auto d = parse_descriptor((**manifests)[i], limits);
    if (!d) return at("entry " + std::to_string(i + 1), d.message());
    index.manifests.push_back(*d);
  }
  return index;
}

// The kind a document declares: its mediaType, else the content type, else its shape (OCI
// made mediaType optional before 1.1; containerd infers the same way).
Result<std::string> document_type(const json& doc, std::string_view content_type) {
  auto declared = json_string(doc, "mediaType", false);
  if (!declared) return declared.error();
  const bool known_header = media_type::is_manifest(content_type) ||
                            media_type::is_index(content_type);
  if (!declared->empty() && known_header && *declared != content_type) {
    return make_error("says it is '" + *declared + "' but was served as '" +
                      std::string(content_type) + "'");
  }
  if (!declared->empty()) return *declared;
  if (known_header) return std::string(content_type);
  if (doc.contains("manifests") && doc.contains("layers")) {
    return make_error("has both 'manifests' and 'layers': neither a manifest nor an index");
  }
  if (doc.contains("manifests")) return std::string(media_type::kOciIndex);
  if (doc.contains("layers")) return std::string(media_type::kOciManifest);
  return make_error("has no mediaType and is neither a manifest nor an index");
}

}  // namespace

Result<ParsedManifest> parse_manifest(std::string_view body, std::string_view content_type,
                                      const ManifestLimits& limits) {
  auto doc = parse_bounded_json(body, "manifest");
  if (!doc) return doc.error();
  auto schema = json_int(*doc, "schemaVersion", true);
  if (!schema) return at("manifest", schema.message());
  if (*schema == 1 || content_type == media_type::kDockerSchema1 ||
      content_type == media_type::kDockerSchema1Signed) {
    return make_error("manifest is Docker schema 1, which is deprecated and unsupported; push "
                      "the image again with a current docker or skopeo");
  }
  if (*schema != 2) {
    return make_error("manifest schemaVersion " + std::to_string(*schema) + " is unsupported (want 2)");
  }
  auto type = document_type(*doc, content_type);
  if (!type) return at("manifest", type.message());
  if (media_type::is_manifest(*type)) {
    auto m = parse_image_manifest(*doc, *type, limits);
    if (!m) return at("manifest", m.message());
    return ParsedManifest(std::move(*m));
  }
  if (media_type::is_index(*type)) {
    auto i = parse_image_index(*doc, *type, limits);
    if (!i) return at("image index", i.message());
    return ParsedManifest(std::move(*i));
  }
  return make_error("manifest media type '" + *type + "' is not an image manifest or index");
}

Result<Descriptor> select_manifest(const ImageIndex& index, const Platform& node) {
  std::vector<Platform> offered;
  std::vector<std::size_t> entry;  // offered[i] is index.manifests[entry[i]]
  for (std::size_t i = 0; i < index.manifests.size(); ++i) {
    const Descriptor& d = index.manifests[i];
    if (!media_type::is_manifest(d.media_type)) continue;
    // BuildKit's attestation manifests say unknown/unknown: not runnable, not worth listing.
    if (d.platform && d.platform->os == "unknown") continue;
    offered.push_back(d.platform.value_or(Platform{"unknown", "unknown", ""}));
    entry.push_back(i);
  }
  auto pick = select_platform(node, offered);
  if (!pick) return pick.error();
  return index.manifests[entry[*pick]];
}

}  // namespace shoal::image
