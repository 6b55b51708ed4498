#include "image/image_listing.h"

#include <algorithm>
#include <set>

namespace shoal::image {

std::uint64_t image_size(const ImageRecord& record) {
  std::set<Digest> seen;
  std::uint64_t total = 0;
  for (const auto& b : record.blobs())
    if (seen.insert(b.digest).second) total += b.size;
  return total;
}

namespace {

std::vector<std::string> users_of(const ImageUsers& users, const Digest& d) {
  auto it = users.find(d);
  if (it == users.end()) return {};
  auto out = it->second;
  std::sort(out.begin(), out.end());
  return out;
}

// "r:5000/a/b:1" -> ("r:5000/a/b", "1"): the tag follows the last ':' after the last '/'.
std::pair<std::string, std::string> split_name(const std::string& name) {
  auto slash = name.rfind('/');
  auto colon = name.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return {name, ""};
  return {name.substr(0, colon), name.substr(colon + 1)};
}

}  // namespace

std::vector<ImageRow> image_rows(const ImageCatalog& catalog, const ImageUsers& users) {
  std::vector<ImageRow> rows;
  std::set<Digest> named;
  for (const auto& [name, digest] : catalog.names()) {
    // "repo@sha256:<index>" names are the agent's aliases for images pulled through an index
    // (found by the digest a spec pins), not tags a user gave.
    if (name.find('@') != std::string::npos) continue;
    const ImageRecord* r = catalog.find(digest);
    SHOAL_ASSERT(r != nullptr);  // the catalog only names images it holds
    auto [repo, tag] = split_name(name);
    rows.push_back({repo, tag, digest, image_size(*r), users_of(users, digest)});
    named.insert(digest);
  }
  for (const auto& [digest, r] : catalog.images())
    if (!named.count(digest)) rows.push_back({"<none>", "<none>", digest, image_size(r), users_of(users, digest)});
  return rows;
}

Result<RemovePlan> plan_remove(const ImageCatalog& catalog, const std::string& name_or_digest,
                               const ImageUsers& users) {
  RemovePlan plan;
  Digest manifest;
  if (name_or_digest.rfind("sha256:", 0) == 0) {
    auto d = Digest::parse(name_or_digest);
    if (!d) return d.error();
    if (!catalog.find(*d)) return make_error("no image with manifest " + name_or_digest + " here");
    manifest = *d;
  } else {
    auto d = catalog.resolve(name_or_digest);
    if (!d) return make_error("no image named " + name_or_digest + " here (see `shoal image ls`)");
    manifest = *d;
    plan.untag = name_or_digest;
  }
  auto using_it = users_of(users, manifest);
  if (!using_it.empty()) {
    std::string list;
    for (const auto& s : using_it) list += (list.empty() ? "" : ", ") + s;
    return make_error(name_or_digest + " is used by service(s) " + list +
                      "; remove or update them first");
  }
  auto names = catalog.names_of(manifest);
  plan.remove_image = plan.untag.empty() || (names.size() == 1 && names[0] == plan.untag);
  if (!plan.remove_image) return plan;
  // Everything else counts as in use, so the plan frees exactly this image's private blobs.
  std::set<Digest> keep;
  for (const auto& [d, _] : catalog.images())
    if (d != manifest) keep.insert(d);
  plan.blobs = plan_prune(catalog, keep, 0);
  return plan;
}

std::vector<Digest> layers_freed(const ImageCatalog& catalog, const std::vector<Digest>& removed) {
  std::set<Digest> gone(removed.begin(), removed.end());
  std::set<Digest> kept, candidates;
  for (const auto& [d, r] : catalog.images())
    (gone.count(d) ? candidates : kept).insert(r.diff_ids.begin(), r.diff_ids.end());
  std::vector<Digest> out;
  for (const auto& d : candidates)
    if (!kept.count(d)) out.push_back(d);
  return out;
}

}  // namespace shoal::image
