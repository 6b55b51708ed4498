#include "image/archive_load.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"
#include "image/file_io.h"
#include "image/image_config.h"
#include "image/json_limits.h"
#include "image/layer_unpack.h"
#include "image/manifest.h"
#include "image/media_type.h"
#include "image/reference.h"

namespace shoal::image {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxJsonBytes = 4u << 20;
constexpr int kMaxIndexDepth = 4;  // index -> index -> manifest nesting we follow
constexpr std::size_t kCopyChunk = 1 << 17;
constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";
constexpr std::string_view kContainerdNameAnnotation = "io.containerd.image.name";

// The archive's files, every path resolved with the archive dir as "/" (symlinks and ".."
// included), so nothing outside it is ever opened.
class ArchiveDir {
 public:
  // `shown` names the archive in errors: the user's file, not the temp dir it went to.
  static Result<ArchiveDir> open(const std::string& path, const std::string& shown) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return make_error(errno_text("open", path));
    return ArchiveDir(std::move(fd), shown);
  }
  Result<UniqueFd> open_file(const std::string& rel) const {
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    const int fd = static_cast<int>(::syscall(SYS_openat2, root_.get(), rel.c_str(), &how, sizeof how));
    if (fd < 0) return make_error(errno_text("open", rel + " in " + path_ + ":"));
    struct stat st{};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return make_error(rel + " in " + path_ + " is not a regular file");
    }
    return UniqueFd(fd);
  }
  bool has(const std::string& rel) const { return open_file(rel).ok(); }
  Result<std::string> read(const std::string& rel, std::size_t max_bytes) const {
    auto fd = open_file(rel);
    if (!fd) return fd.error();
    return read_file_bounded("/proc/self/fd/" + std::to_string(fd->get()), max_bytes);
  }
  const std::string& path() const { return path_; }

 private:
  ArchiveDir(UniqueFd fd, std::string path) : root_(std::move(fd)), path_(std::move(path)) {}
  UniqueFd root_;
  std::string path_;
};

Result<Digest> hash_fd(int fd, std::uint64_t* size) {
  Sha256Hasher h;
  std::vector<char> buf(kCopyChunk);
  while (true) {
    const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(h.bytes()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(std::string("read: ") + std::strerror(errno));
    if (n == 0) break;
    h.update(buf.data(), static_cast<std::size_t>(n));
  }
  *size = h.bytes();
  return h.finish();
}

// Streams `rel` into the store as blob `d` of `size` bytes (the writer checks both).
Status copy_blob(const ArchiveDir& dir, const std::string& rel, const BlobStore& store,
                 const Digest& d, std::uint64_t size) {
  if (store.has(d)) return {};
  auto fd = dir.open_file(rel);
  if (!fd) return fd.error();
  auto w = store.begin_write(d, size);
  if (!w) return w.error();
  std::vector<char> buf(kCopyChunk);
  for (off_t off = 0;;) {
    const ssize_t n = ::pread(fd->get(), buf.data(), buf.size(), off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(errno_text("read", rel + " in " + dir.path() + ":"));
    if (n == 0) break;
    if (auto st = w->write(std::string_view(buf.data(), static_cast<std::size_t>(n))); !st) return st;
    off += n;
  }
  if (auto st = w->commit(); !st) return make_error(rel + " in " + dir.path() + ": " + st.message());
  return {};
}

std::string blob_path(const Digest& d) { return "blobs/sha256/" + d.hex(); }

Result<std::string> canonical_name(const std::string& text, const LoadOptions& options) {
  auto ref = parse_reference(text, options.default_registry);
  if (!ref) return ref.error();
  if (ref->digest) return make_error("image name " + text + " carries a digest; names are name:tag");
  return ref->canonical_string();
}

// Records an image whose manifest, config and layers are all in the store.
Result<LoadedImage> record_image(const Digest& manifest_digest, std::uint64_t manifest_size,
                                 const ImageManifest& m, const ImageConfig& config,
                                 const std::vector<std::string>& names, ImageCatalog& catalog,
                                 const LoadOptions& options) {
  if (config.diff_ids.size() != m.layers.size()) {
    return make_error("image " + manifest_digest.to_string() + ": config lists " +
                      std::to_string(config.diff_ids.size()) + " diff_ids for " +
                      std::to_string(m.layers.size()) + " layers");
  }
  ImageRecord r;
  r.manifest = manifest_digest;
  r.manifest_size = manifest_size;
  r.config = {m.config.digest, m.config.size};
  for (const auto& l : m.layers) r.layers.push_back({l.digest, l.size});
  r.diff_ids = config.diff_ids;
  r.last_used_ms = options.now_ms;
  catalog.add(r);
  LoadedImage out{manifest_digest, {}};
  for (const auto& name : names) {
    auto canonical = canonical_name(name, options);
    if (!canonical) return canonical.error();
    if (auto st = catalog.tag(*canonical, manifest_digest); !st) return st.error();
    out.names.push_back(*canonical);
  }
  return out;
}

// ---- OCI image layout -------------------------------------------------------------------

Result<std::string> read_blob_text(const ArchiveDir& dir, const Descriptor& d, const BlobStore& store) {
  if (d.size > kMaxJsonBytes) return make_error(d.digest.to_string() + " is too large for a manifest or config");
  if (auto st = copy_blob(dir, blob_path(d.digest), store, d.digest, d.size); !st) return st.error();
  return store.read_verified(d.digest, kMaxJsonBytes);
}

// The image manifest an index entry leads to on this platform (following nested indexes).
Result<std::pair<Descriptor, ImageManifest>> resolve_manifest(const ArchiveDir& dir, Descriptor d,
                                                              const BlobStore& store,
                                                              const LoadOptions& options) {
  for (int depth = 0; depth < kMaxIndexDepth; ++depth) {
    auto text = read_blob_text(dir, d, store);
    if (!text) return text.error();
    auto parsed = parse_manifest(*text, d.media_type);
    if (!parsed) return make_error(d.digest.to_string() + ": " + parsed.message());
    if (auto* m = std::get_if<ImageManifest>(&*parsed)) return std::make_pair(d, std::move(*m));
    auto next = select_manifest(std::get<ImageIndex>(*parsed), options.platform);
    if (!next) return next.error();
    d = *next;
  }
  return make_error("image indexes nest deeper than " + std::to_string(kMaxIndexDepth) + " levels");
}

std::string annotation(const json& entry, std::string_view key) {
  const auto a = entry.find("annotations");
  if (a == entry.end() || !a->is_object()) return {};
  const auto v = a->find(std::string(key));
  return v != a->end() && v->is_string() ? v->get<std::string>() : std::string();
}

// The name an index.json entry gives: containerd's full name, else ref.name when it is a full
// reference, else ref.name as a tag of repository_for_bare_tags.
std::vector<std::string> oci_entry_names(const json& entry, const LoadOptions& options) {
  if (auto full = annotation(entry, kContainerdNameAnnotation); !full.empty()) return {full};
  const std::string ref = annotation(entry, kRefNameAnnotation);
  if (ref.empty()) return {};
  if (ref.find(':') != std::string::npos || ref.find('/') != std::string::npos) return {ref};
  if (!options.repository_for_bare_tags.empty()) return {options.repository_for_bare_tags + ":" + ref};
  return {};
}

Result<std::vector<LoadedImage>> load_oci_layout(const ArchiveDir& dir, const BlobStore& store,
                                                 ImageCatalog& catalog, const LoadOptions& options) {
  auto layout = dir.read("oci-layout", 4096);
  if (!layout) return layout.error();
  auto layout_json = parse_bounded_json(*layout, "oci-layout");
  if (!layout_json) return layout_json.error();
  auto version = json_string(*layout_json, "imageLayoutVersion", true);
  if (!version || *version != "1.0.0") return make_error("oci-layout: imageLayoutVersion is not 1.0.0");
  auto index_text = dir.read("index.json", kMaxJsonBytes);
  if (!index_text) return index_text.error();
  auto index_json = parse_bounded_json(*index_text, "index.json");
  if (!index_json) return index_json.error();
  auto index = parse_manifest(*index_text, media_type::kOciIndex);
  if (!index) return make_error("index.json: " + index.message());
  const auto& entries = std::get<ImageIndex>(*index).manifests;
  std::vector<LoadedImage> loaded;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    // A multi-platform layout (e.g. `docker save` of a multi-arch image) lists each platform;
    // only this node's is loaded, and the archive usually holds only its blobs.
    const auto& platform = entries[i].platform;
    if (platform && platform_match_score(options.platform, *platform) == 0) continue;
    auto resolved = resolve_manifest(dir, entries[i], store, options);
    if (!resolved) return make_error("index.json entry " + std::to_string(i + 1) + ": " + resolved.message());
    const auto& [desc, manifest] = *resolved;
    auto config_text = read_blob_text(dir, manifest.config, store);
    if (!config_text) return config_text.error();
    auto config = parse_image_config(*config_text);
    if (!config) return config.error();
    for (const auto& layer : manifest.layers) {
      if (auto st = copy_blob(dir, blob_path(layer.digest), store, layer.digest, layer.size); !st) return st.error();
    }
    auto image = record_image(desc.digest, desc.size, manifest, *config,
                              oci_entry_names((*index_json)["manifests"][i], options), catalog, options);
    if (!image) return image.error();
    loaded.push_back(*image);
  }
  if (loaded.empty()) {
    std::string offered;
    for (const auto& e : entries) {
      offered += (offered.empty() ? "" : ", ") + (e.platform ? e.platform->to_string() : std::string("?"));
    }
    return make_error("index.json has no image for this node's platform " +
                      normalize_platform(options.platform).to_string() + "; it offers: " +
                      (offered.empty() ? "none" : offered));
  }
  return loaded;
}

// ---- docker save ------------------------------------------------------------------------

std::string layer_media_type(const ArchiveDir& dir, const std::string& rel) {
  auto fd = dir.open_file(rel);
  unsigned char magic[4] = {};
  if (fd && ::pread(fd->get(), magic, sizeof magic, 0) == 4) {
    if (magic[0] == 0x1f && magic[1] == 0x8b) return "application/vnd.oci.image.layer.v1.tar+gzip";
    if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
      return "application/vnd.oci.image.layer.v1.tar+zstd";
    }
  }
  return "application/vnd.oci.image.layer.v1.tar";
}

// A layer file: stored under its own digest, after checking it unpacks to `diff_id`.
Result<Descriptor> load_docker_layer(const ArchiveDir& dir, const std::string& rel, const Digest& diff_id,
                                     const BlobStore& store) {
  auto fd = dir.open_file(rel);
  if (!fd) return fd.error();
  std::uint64_t size = 0;
  auto digest = hash_fd(fd->get(), &size);
  if (!digest) return make_error(rel + ": " + digest.message());
  Descriptor d{layer_media_type(dir, rel), *digest, size, std::nullopt};
  if (*digest != diff_id) {
    auto uncompressed = uncompressed_digest("/proc/self/fd/" + std::to_string(fd->get()));
    if (!uncompressed) return make_error(rel + ": " + uncompressed.message());
    if (*uncompressed != diff_id) {
      return make_error(rel + " does not match the config's diff_id " + diff_id.to_string() +
                        " (its content hashes to " + uncompressed->to_string() + ")");
    }
  }
  if (auto st = copy_blob(dir, rel, store, d.digest, d.size); !st) return st.error();
  return d;
}

// The digest a `docker save` path names ("<hex>.json", "blobs/sha256/<hex>"), if any.
std::optional<Digest> digest_in_name(const std::string& rel) {
  std::string base = rel.substr(rel.rfind('/') == std::string::npos ? 0 : rel.rfind('/') + 1);
  if (base.size() == 69 && base.ends_with(".json")) base.resize(64);
  auto d = Digest::parse_hex(base);
  if (!d) return std::nullopt;
  return *d;
}

std::string oci_manifest_json(const Descriptor& config, const std::vector<Descriptor>& layers) {
  auto desc = [](const Descriptor& d) {
    return json{{"mediaType", d.media_type}, {"digest", d.digest.to_string()}, {"size", d.size}};
  };
  json l = json::array();
  for (const auto& d : layers) l.push_back(desc(d));
  return json{{"schemaVersion", 2}, {"mediaType", media_type::kOciManifest}, {"config", desc(config)},
              {"layers", l}}.dump();
}

Result<LoadedImage> load_docker_entry(const ArchiveDir& dir, const json& entry, const BlobStore& store,
                                      ImageCatalog& catalog, const LoadOptions& options) {
  if (!entry.is_object()) return make_error("an entry is not an object");
  auto config_rel = json_string(entry, "Config", true);
  if (!config_rel) return config_rel.error();
  auto tags = json_strings(entry, "RepoTags");
  if (!tags) return tags.error();
  auto layer_rels = json_strings(entry, "Layers");
  if (!layer_rels) return layer_rels.error();
  auto config_text = dir.read(*config_rel, kMaxJsonBytes);
  if (!config_text) return config_text.error();
  const Digest config_digest = Digest::of(*config_text);
  if (auto named = digest_in_name(*config_rel); named && *named != config_digest) {
    return make_error(*config_rel + " does not hash to the digest its name says");
  }
  auto config = parse_image_config(*config_text);
  if (!config) return config.error();
  if (config->diff_ids.size() != layer_rels->size()) {
    return make_error("config lists " + std::to_string(config->diff_ids.size()) + " diff_ids for " +
                      std::to_string(layer_rels->size()) + " layers");
  }
  if (auto st = store.put(config_digest, *config_text); !st) return st.error();
  const Descriptor config_desc{std::string(media_type::kOciConfig), config_digest, config_text->size(), std::nullopt};
  std::vector<Descriptor> layers;
  for (std::size_t i = 0; i < layer_rels->size(); ++i) {
    auto d = load_docker_layer(dir, (*layer_rels)[i], config->diff_ids[i], store);
    if (!d) return d.error();
    layers.push_back(*d);
  }
  const std::string manifest_text = oci_manifest_json(config_desc, layers);
  const Digest manifest_digest = Digest::of(manifest_text);
  if (auto st = store.put(manifest_digest, manifest_text); !st) return st.error();
  auto parsed = parse_manifest(manifest_text, media_type::kOciManifest);
  SHOAL_ASSERT(parsed.ok());  // shoal wrote it
  return record_image(manifest_digest, manifest_text.size(), std::get<ImageManifest>(*parsed), *config,
                      *tags, catalog, options);
}

Result<std::vector<LoadedImage>> load_docker_save(const ArchiveDir& dir, const BlobStore& store,
                                                  ImageCatalog& catalog, const LoadOptions& options) {
  auto text = dir.read("manifest.json", kMaxJsonBytes);
  if (!text) return text.error();
  // manifest.json is an array; parse_bounded_json wants an object, so wrap it.
  auto doc = parse_bounded_json("{\"images\":" + *text + "}", "manifest.json");
  if (!doc) return doc.error();
  auto images = json_array(*doc, "images");
  if (!images || !*images) return make_error("manifest.json is not an array of images");
  std::vector<LoadedImage> loaded;
  for (std::size_t i = 0; i < (*images)->size(); ++i) {
    auto image = load_docker_entry(dir, (**images)[i], store, catalog, options);
    if (!image) return make_error("manifest.json entry " + std::to_string(i + 1) + ": " + image.message());
    loaded.push_back(*image);
  }
  return loaded;
}

Result<std::vector<LoadedImage>> load_dir(const std::string& path, const std::string& shown,
                                          const BlobStore& store, ImageCatalog& catalog,
                                          const LoadOptions& options) {
  auto dir = ArchiveDir::open(path, shown);
  if (!dir) return dir.error();
  // Newer `docker save` writes both; the OCI layout is the one with real manifest digests.
  if (dir->has("oci-layout")) return load_oci_layout(*dir, store, catalog, options);
  if (dir->has("manifest.json")) return load_docker_save(*dir, store, catalog, options);
  return make_error(shown + " is neither a `docker save` archive (manifest.json) nor an OCI image "
                    "layout (oci-layout, index.json)");
}

}  // namespace

Result<std::vector<LoadedImage>> load_image_archive(const std::string& path, const BlobStore& store,
                                                    ImageCatalog& catalog, const LoadOptions& options) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return make_error(errno_text("open", path));
  // Work on a copy of the catalog: a load that fails half-way records nothing.
  ImageCatalog staged = catalog;
  Result<std::vector<LoadedImage>> result = std::vector<LoadedImage>{};
  if (S_ISDIR(st.st_mode)) {
    result = load_dir(path, path, store, staged, options);
  } else {
    std::string extract = store.root() + "/tmp/load.XXXXXX";
    if (!::mkdtemp(extract.data())) return make_error(errno_text("create", extract));
    UnpackOptions unpack;
    unpack.keep_ownership = false;
    unpack.overlay_whiteouts = false;
    unpack.allow_devices = false;
    unpack.max_total_bytes = options.max_total_bytes;
    unpack.max_entries = options.max_entries;
    auto extracted = unpack_layer(path, extract, std::nullopt, unpack);
    result = extracted ? load_dir(extract, path, store, staged, options)
                       : Result<std::vector<LoadedImage>>(make_error(extracted.message()));
    (void)remove_tree(extract);
  }
  if (result) catalog = std::move(staged);
  return result;
}

}  // namespace shoal::image
