// The agent's image store: blob store + catalog + registry client + pull workers, shared by
// `shoal image ...` (image_commands.cc) and the tasks that run images (task_images.cc).
// Threading rules are those of image_commands.cc: the catalog and the job tables are the
// io thread's; workers touch only the blob store, the client and layer unpacking.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/api_server.h"
#include "image/blob_store.h"
#include "image/fetch_table.h"
#include "image/http_registry_client.h"
#include "image/image_catalog.h"
#include "image/image_config.h"
#include "image/reference.h"
#include <optional>

namespace shoal {

// What a worker hands back: an image to record and the names to point at it.
struct PulledImage {
  image::ImageRecord record;
  std::vector<std::string> names;
};

struct ImageState {
  // Pull workers: 2 lets a second image pull while a large one downloads, without letting
  // a burst of pulls take every core of a small edge node.
  static constexpr std::size_t kWorkers = 2;
  // An image config larger than this is refused (real ones are a few KiB; same bound as
  // manifests, image/registry_client.h).
  static constexpr std::size_t kMaxConfigBytes = image::kMaxManifestBytes;

  ImageState(std::string root_dir, image::BlobStore s, image::ImageCatalog c,
             std::unique_ptr<image::HttpRegistryClient> r)
      : root(std::move(root_dir)), store(std::move(s)), catalog(std::move(c)), client(std::move(r)) {}

  std::string root;
  std::string catalog_path() const { return root + "/catalog"; }
  std::string layers_root() const { return root + "/layers"; }

  image::BlobStore store;
  image::ImageCatalog catalog;  // io thread only
  std::unique_ptr<image::HttpRegistryClient> client;
  image::FetchTable jobs;       // io thread only; keyed by Digest::of(job key)
  std::map<image::FetchTable::WaiterId, ApiServer::Respond> waiters;  // io thread only
  image::FetchTable::WaiterId next_waiter = 1;
  std::mutex unpack_mu;
  // Blob fetches in flight on the workers (FetchTable under blob_mu): pulls of two references
  // that share a layer fetch it once, and two writers never share one `<blob>.partial` file
  // (the client resumes from it, so a second writer would corrupt the first's download).
  std::mutex blob_mu;
  std::condition_variable blob_cv;
  image::FetchTable blob_fetches;
  image::FetchTable::WaiterId next_blob_waiter = 1;
  // Last member: destroyed first, so its destructor joins the workers while everything they
  // use still exists.
  boost::asio::thread_pool workers{kWorkers};
};

// The catalog name under which a platform manifest pulled through an image index is also
// found by the index's digest: "r:5000/web@sha256:<index>" (image ls does not list these).
std::string index_alias(const image::Reference& ref, const image::Digest& index);

// The manifest this node holds for `ref`: its digest (directly, or as an index alias), or its
// tag. nullopt = not held (pull it).
std::optional<image::Digest> held_manifest(const ImageState& s, const image::Reference& ref);

}  // namespace shoal
