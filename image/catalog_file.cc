#include "image/catalog_file.h"

#include <sys/stat.h>

#include <cerrno>

#include "image/file_io.h"

namespace shoal::image {

Result<ImageCatalog> load_catalog(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return ImageCatalog{};
  auto text = read_file_bounded(path, ImageCatalog::kMaxEncodedBytes);
  if (!text) return text.error();
  auto catalog = ImageCatalog::decode(*text);
  if (!catalog) return make_error(path + ": " + catalog.message());
  return catalog;
}

Status save_catalog(const std::string& path, const ImageCatalog& catalog) {
  return write_file_atomic(path, catalog.encode(), 0600);
}

Status apply_prune(const PrunePlan& plan, const std::string& catalog_path, ImageCatalog& catalog,
                   const BlobStore& store) {
  ImageCatalog next = catalog;
  for (const auto& d : plan.remove_images) next.remove(d);
  if (auto st = save_catalog(catalog_path, next); !st) return st;
  catalog = std::move(next);
  const auto still_needed = catalog.referenced_blobs();
  for (const auto& d : plan.remove_blobs) {
    SHOAL_ASSERT(!still_needed.count(d));  // plan_prune's guarantee, checked before deleting
    if (auto st = store.remove(d); !st) return st;
  }
  return {};
}

}  // namespace shoal::image
