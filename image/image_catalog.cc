#include "image/image_catalog.h"

#include <algorithm>

#include "common/checksummed.h"
#include "image/json_limits.h"

namespace shoal::image {
namespace {

using nlohmann::json;

// The catalog file's header (common/checksummed.h); the last byte is the format's version.
constexpr Magic kCatalogMagic = {'S', 'H', 'O', 'A', 'L', 'I', 'C', 1};

// The format before common/checksummed.h: "<sha256 hex of the JSON>\n<JSON>". Still read, so a
// node upgraded in place keeps its images; the next save writes the checksummed format.
Result<std::string_view> open_legacy(std::string_view text) {
  const auto nl = text.find('\n');
  if (nl == std::string_view::npos) return make_error("not a catalog file (no header)");
  auto sum = Digest::parse_hex(text.substr(0, nl));
  const std::string_view body = text.substr(nl + 1);
  if (!sum || Digest::of(body) != *sum) {
    return make_error("checksum mismatch (torn or edited file)");
  }
  return body;
}

// The JSON of a catalog file in either format, its checksum verified.
Result<std::string_view> open_catalog(std::string_view text) {
  auto body = has_magic(text, kCatalogMagic) ? open_checksummed(kCatalogMagic, text)
                                              : open_legacy(text);
  if (!body) return make_error("image catalog: " + body.message());
  return body;
}

json blob_json(const BlobRef& b) { return json{{"digest", b.digest.to_string()}, {"size", b.size}}; }

Result<BlobRef> blob_from(const json& j) {
  if (!j.is_object()) return make_error("a blob entry is not an object");
  auto text = json_string(j, "digest", true);
  if (!text) return text.error();
  auto d = Digest::parse(*text);
  if (!d) return d.error();
  auto size = json_uint(j, "size", true);
  if (!size) return size.error();
  return BlobRef{*d, *size};
}

Result<ImageRecord> record_from(const json& j) {
  if (!j.is_object()) return make_error("an image entry is not an object");
  ImageRecord r;
  auto manifest = blob_from(j);
  if (!manifest) return manifest.error();
  r.manifest = manifest->digest;
  r.manifest_size = manifest->size;
  auto config = json_object(j, "config");
  if (!config) return config.error();
  if (!*config) return make_error("'config' is missing");
  auto c = blob_from(**config);
  if (!c) return c.error();
  r.config = *c;
  auto layers = json_array(j, "layers");
  if (!layers) return layers.error();
  if (*layers) {
    for (const auto& l : **layers) {
      auto b = blob_from(l);
      if (!b) return b.error();
      r.layers.push_back(*b);
    }
  }
  auto ids = json_strings(j, "diff_ids");
  if (!ids) return ids.error();
  for (const auto& t : *ids) {
    auto d = Digest::parse(t);
    if (!d) return d.error();
    r.diff_ids.push_back(*d);
  }
  auto used = json_uint(j, "last_used_ms", false);
  if (!used) return used.error();
  r.last_used_ms = *used;
  return r;
}

}  // namespace

std::vector<BlobRef> ImageRecord::blobs() const {
  std::vector<BlobRef> out{{manifest, manifest_size}, config};
  out.insert(out.end(), layers.begin(), layers.end());
  return out;
}

void ImageCatalog::add(ImageRecord record) {
  auto it = images_.find(record.manifest);
  if (it != images_.end()) record.last_used_ms = std::max(record.last_used_ms, it->second.last_used_ms);
  images_[record.manifest] = std::move(record);
}

Status ImageCatalog::tag(const std::string& name, const Digest& manifest) {
  if (!images_.count(manifest)) {
    return make_error("cannot tag " + name + ": image " + manifest.to_string() + " is not held");
  }
  names_[name] = manifest;
  return {};
}

void ImageCatalog::untag(const std::string& name) { names_.erase(name); }

void ImageCatalog::remove(const Digest& manifest) {
  images_.erase(manifest);
  std::erase_if(names_, [&](const auto& kv) { return kv.second == manifest; });
}

void ImageCatalog::touch(const Digest& manifest, std::uint64_t now_ms) {
  auto it = images_.find(manifest);
  if (it != images_.end()) it->second.last_used_ms = std::max(it->second.last_used_ms, now_ms);
}

const ImageRecord* ImageCatalog::find(const Digest& manifest) const {
  auto it = images_.find(manifest);
  return it == images_.end() ? nullptr : &it->second;
}

std::optional<Digest> ImageCatalog::resolve(const std::string& name) const {
  auto it = names_.find(name);
  if (it == names_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> ImageCatalog::names_of(const Digest& manifest) const {
  std::vector<std::string> out;
  for (const auto& [name, d] : names_) {
    if (d == manifest) out.push_back(name);
  }
  return out;
}

std::set<Digest> ImageCatalog::referenced_blobs() const {
  std::set<Digest> out;
  for (const auto& [_, r] : images_) {
    for (const auto& b : r.blobs()) out.insert(b.digest);
  }
  return out;
}

std::uint64_t ImageCatalog::total_bytes() const {
  std::map<Digest, std::uint64_t> sizes;
  for (const auto& [_, r] : images_) {
    for (const auto& b : r.blobs()) sizes[b.digest] = b.size;
  }
  std::uint64_t total = 0;
  for (const auto& [_, s] : sizes) total += s;
  return total;
}

std::string ImageCatalog::encode() const {
  json images = json::array();
  for (const auto& [_, r] : images_) {
    json layers = json::array();
    for (const auto& l : r.layers) layers.push_back(blob_json(l));
    json ids = json::array();
    for (const auto& d : r.diff_ids) ids.push_back(d.to_string());
    images.push_back(json{{"digest", r.manifest.to_string()}, {"size", r.manifest_size},
                          {"config", blob_json(r.config)}, {"layers", layers},
                          {"diff_ids", ids}, {"last_used_ms", r.last_used_ms}});
  }
  json names = json::object();
  for (const auto& [name, d] : names_) names[name] = d.to_string();
  const std::string body = json{{"version", 1}, {"images", images}, {"names", names}}.dump();
  const Bytes sealed = seal_checksummed(kCatalogMagic, Bytes(body.begin(), body.end()));
  return std::string(sealed.begin(), sealed.end());
}

Result<ImageCatalog> ImageCatalog::decode(std::string_view text) {
  auto body = open_catalog(text);
  if (!body) return body.error();
  JsonLimits limits;
  limits.max_bytes = kMaxEncodedBytes;
  limits.max_elements = kMaxNames;
  auto doc = parse_bounded_json(*body, "image catalog", limits);
  if (!doc) return doc.error();
  auto version = json_uint(*doc, "version", true);
  if (!version || *version != 1) return make_error("image catalog: unknown version");
  ImageCatalog out;
  auto images = json_array(*doc, "images");
  if (!images) return make_error("image catalog: " + images.message());
  if (*images) {
    if ((*images)->size() > kMaxImages) return make_error("image catalog: too many images");
    for (const auto& j : **images) {
      auto r = record_from(j);
      if (!r) return make_error("image catalog: " + r.message());
      out.add(std::move(*r));
    }
  }
  auto names = json_object(*doc, "names");
  if (!names) return make_error("image catalog: " + names.message());
  if (*names) {
    for (const auto& [name, value] : (*names)->items()) {
      auto d = value.is_string() ? Digest::parse(value.get_ref<const std::string&>())
                                 : Result<Digest>(make_error("not a string"));
      if (!d) return make_error("image catalog: name " + name + ": " + d.message());
      if (auto st = out.tag(name, *d); !st) return make_error("image catalog: " + st.message());
    }
  }
  return out;
}

PrunePlan plan_prune(const ImageCatalog& catalog, const std::set<Digest>& in_use,
                     std::uint64_t budget_bytes) {
  PrunePlan plan;
  // References per blob among the images kept so far, and the bytes those blobs take: one
  // pass to build, then each removal costs its own blobs only (10k images stay fast).
  std::map<Digest, std::pair<std::uint64_t, std::uint64_t>> refs;  // digest -> (count, size)
  for (const auto& [_, r] : catalog.images()) {
    for (const auto& b : r.blobs()) {
      auto& [count, size] = refs[b.digest];
      ++count;
      size = b.size;
    }
  }
  std::uint64_t total = 0;
  for (const auto& [_, cs] : refs) total += cs.second;
  plan.bytes_before = total;
  // Candidates: unused images, least recently used first; ties by digest (deterministic).
  std::vector<const ImageRecord*> candidates;
  for (const auto& [d, r] : catalog.images()) {
    if (!in_use.count(d)) candidates.push_back(&r);
  }
  std::sort(candidates.begin(), candidates.end(), [](const ImageRecord* a, const ImageRecord* b) {
    return std::tie(a->last_used_ms, a->manifest) < std::tie(b->last_used_ms, b->manifest);
  });
  for (const ImageRecord* r : candidates) {
    if (budget_bytes != 0 && total <= budget_bytes) break;
    plan.remove_images.push_back(r->manifest);
    for (const auto& b : r->blobs()) {
      auto& [count, size] = refs[b.digest];
      SHOAL_ASSERT(count > 0);
      if (--count == 0) {
        total -= size;
        plan.remove_blobs.push_back(b.digest);
      }
    }
  }
  std::sort(plan.remove_blobs.begin(), plan.remove_blobs.end());
  plan.remove_blobs.erase(std::unique(plan.remove_blobs.begin(), plan.remove_blobs.end()),
                          plan.remove_blobs.end());
  plan.bytes_after = total;
  return plan;
}

}  // namespace shoal::image
