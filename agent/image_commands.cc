// `shoal image pull|ls|inspect|rm|prune|load`: the agent's image store under
// <data-dir>/images (image/blob_store.h + image/catalog_file.h; layers unpacked into
// <data-dir>/images/layers once per diff_id). The decisions are pure functions of image/
// (pull_plan.h, image_listing.h); this file only does the I/O and renders answers.
//
// Threads: `pull` and `load` block on the network or on big files, so they run on a small
// worker pool and post their outcome back onto the io_context; the catalog is only ever read
// or changed on the io_context's thread. Workers touch only what is safe from any thread: the
// blob store (one temp file per write, atomic renames), the registry client (its own lock) and
// layer unpacking (serialised by unpack_mu, as ensure_layer_unpacked requires per diff_id).
// Two pulls of one reference share one fetch (image/fetch_table.h): the second waits for the
// first's answer.
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <unistd.h>

#include "agent/agent_impl.h"
#include "agent/atomic_file.h"
#include "agent/command_util.h"
#include "agent/flags.h"
#include "agent/table.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "common/units.h"
#include "image/archive_load.h"
#include "image/catalog_file.h"
#include "image/fetch_table.h"
#include "image/http_registry_client.h"
#include "image/image_listing.h"
#include "image/layer_unpack.h"
#include "image/pull_plan.h"
#include "agent/image_state.h"
#include "agent/blob_exchange.h"

namespace shoal {

namespace {

image::UnpackOptions unpack_options() {
  image::UnpackOptions o;
  // Ownership and overlayfs whiteouts need root (chown, mknod, trusted.* xattrs); an agent
  // run as a normal user (the loopback demo) unpacks what it can instead of failing.
  const bool root = ::geteuid() == 0;
  o.keep_ownership = root;
  o.overlay_whiteouts = root;
  return o;
}

Status unpack_layers(ImageState& s, const image::ImageRecord& r) {
  SHOAL_ASSERT(r.layers.size() == r.diff_ids.size());
  std::lock_guard lock(s.unpack_mu);
  for (std::size_t i = 0; i < r.layers.size(); ++i) {
    auto fs = image::ensure_layer_unpacked(s.layers_root(), r.diff_ids[i], s.store.path(r.layers[i].digest),
                                           unpack_options());
    if (!fs) return make_error("layer " + r.layers[i].digest.to_string() + ": " + fs.message());
  }
  return {};
}

// Worker: `blob` into the store unless it is there; if another worker is fetching it, waits
// for that fetch and, should it have failed, fetches it itself.
Status fetch_blob_once(ImageState& s, const image::Reference& ref, const image::Descriptor& blob,
                       const PeerBlobSource& peers) {
  for (;;) {
    {
      std::unique_lock lock(s.blob_mu);
      if (s.store.has(blob.digest)) return {};
      switch (s.blob_fetches.request(blob.digest, s.next_blob_waiter++)) {
        case image::FetchTable::Decision::kBusy:
          return make_error("too many blob fetches in progress here; try again shortly");
        case image::FetchTable::Decision::kJoin:
          s.blob_cv.wait(lock, [&] { return !s.blob_fetches.in_flight(blob.digest); });
          continue;
        case image::FetchTable::Decision::kStart:
          break;
      }
    }
    // Peers first, the registry last. Both write through a temp file and rename only a
    // verified blob into place, which is the store's own rule for what may appear at its path.
    auto from_peer = fetch_from_peers(s.store, peers, blob.digest, blob.size, blob.size);
    if (!from_peer) log_warning("image: " + from_peer.message() + "; trying the registry");
    Status st;
    if (!from_peer || !*from_peer) {
      auto got = s.client->fetch_blob(ref, blob, s.store.path(blob.digest));
      if (!got) st = got.error().to_error();
    }
    {
      std::lock_guard lock(s.blob_mu);
      s.blob_fetches.finish(blob.digest);
    }
    s.blob_cv.notify_all();
    return st;
  }
}

// Worker: the manifest `ref` names. Pinned and held here or by a peer: from there, so a node
// never asks a registry for a digest its side of the cluster holds. Otherwise the registry;
// what it sends is kept in the store (peers may ask for it, an index included).
Result<image::FetchedManifest> fetch_manifest_via(ImageState& s, const image::Reference& ref, const PeerBlobSource& peers) {
  if (ref.digest) {
    if (!s.store.has(*ref.digest)) (void)fetch_from_peers(s.store, peers, *ref.digest, 0, image::kMaxManifestBytes);
    if (s.store.has(*ref.digest)) {
      auto bytes = s.store.read_verified(*ref.digest, image::kMaxManifestBytes);
      if (bytes) return image::FetchedManifest{image::Descriptor{"", *ref.digest, bytes->size(), std::nullopt}, std::move(*bytes)};
    }
  }
  auto fetched = s.client->fetch_manifest(ref);
  if (!fetched) return fetched.error().to_error();
  if (auto p = s.store.put(fetched->descriptor.digest, fetched->bytes); !p) return p.error();
  return std::move(*fetched);
}

// Worker: manifest (through an index to this node's platform), the missing blobs, the config,
// then the layers unpacked. Every blob is verified by the client before it reaches its path.
Result<PulledImage> pull_image(ImageState& s, const image::Reference& ref, std::uint64_t now_ms,
                               const PeerBlobSource& peers) {
  auto fetched = fetch_manifest_via(s, ref, peers);
  if (!fetched) return fetched.error();
  auto parsed = image::parse_manifest(fetched->bytes, fetched->descriptor.media_type);
  if (!parsed) return make_error("manifest of " + ref.canonical_string() + ": " + parsed.message());
  std::optional<image::Digest> index_digest;
  if (auto* index = std::get_if<image::ImageIndex>(&*parsed)) {
    index_digest = fetched->descriptor.digest;
    auto chosen = image::select_manifest(*index, image::host_platform());
    if (!chosen) return make_error(ref.canonical_string() + ": " + chosen.message());
    fetched = fetch_manifest_via(s, ref.with_digest(chosen->digest), peers);
    if (!fetched) return fetched.error();
    parsed = image::parse_manifest(fetched->bytes, fetched->descriptor.media_type);
    if (!parsed) return make_error("manifest of " + ref.canonical_string() + ": " + parsed.message());
    if (!std::holds_alternative<image::ImageManifest>(*parsed))
      return make_error(ref.canonical_string() + ": the index entry for this platform is another index");
  }
  const auto& manifest = std::get<image::ImageManifest>(*parsed);
  std::set<image::Digest> held;
  for (const auto& d : image::blobs_to_fetch(manifest, {}))
    if (s.store.has(d.digest)) held.insert(d.digest);
  for (const auto& blob : image::blobs_to_fetch(manifest, held))
    if (auto st = fetch_blob_once(s, ref, blob, peers); !st) return st.error();
  auto config_bytes = s.store.read_verified(manifest.config.digest, ImageState::kMaxConfigBytes);
  if (!config_bytes) return config_bytes.error();
  auto config = image::parse_image_config(*config_bytes);
  if (!config) return make_error("image config of " + ref.canonical_string() + ": " + config.message());
  auto record = image::record_for_pull(fetched->descriptor, manifest, *config, now_ms);
  if (!record) return make_error(ref.canonical_string() + ": " + record.message());
  if (auto u = unpack_layers(s, *record); !u) return make_error(ref.canonical_string() + ": " + u.message());
  PulledImage out{std::move(*record), {}};
  if (!ref.tag.empty()) out.names.push_back(ref.registry + "/" + ref.path + ":" + ref.tag);
  // A spec pinned to the index (what the registry answers for a tag) finds this node's
  // platform manifest through this alias (image_state.h held_manifest).
  if (index_digest) out.names.push_back(index_alias(ref, *index_digest));
  return out;
}

// Worker: the archive's images into the store, recorded in `scratch` (a copy of the catalog:
// the real one is the io thread's), then their layers unpacked.
Result<std::vector<PulledImage>> load_archive(ImageState& s, const std::string& path, image::ImageCatalog scratch,
                                              const image::LoadOptions& options) {
  auto loaded = image::load_image_archive(path, s.store, scratch, options);
  if (!loaded) return loaded.error();
  std::vector<PulledImage> out;
  for (const auto& l : *loaded) {
    const image::ImageRecord* r = scratch.find(l.manifest);
    SHOAL_ASSERT(r != nullptr);  // load_image_archive records every image it returns
    if (auto u = unpack_layers(s, *r); !u) return u.error();
    out.push_back({*r, l.names});
  }
  return out;
}

// The services whose spec (current, or the one an update replaces) names each held image.
image::ImageUsers image_users(const ImageState& s, const crdt::DesiredState& state, const std::string& default_registry) {
  image::ImageUsers users;
  for (const crdt::Service* svc : state.all_services()) {
    std::set<image::Digest> used;
    for (const auto* spec : {&svc->spec, svc->previous_spec ? &*svc->previous_spec : nullptr}) {
      if (spec == nullptr || spec->task.image.empty()) continue;
      auto ref = image::parse_reference(spec->task.image, default_registry);
      if (!ref) continue;
      if (auto d = held_manifest(s, *ref)) used.insert(*d);
    }
    for (const auto& d : used) users[d].push_back(svc->name);
  }
  return users;
}

std::set<image::Digest> in_use(const image::ImageUsers& users) {
  std::set<image::Digest> out;
  for (const auto& [d, services] : users)
    if (!services.empty()) out.insert(d);
  return out;
}

// A REF on the command line -> the manifest it names here: a manifest digest, a pinned
// reference, or a name:tag in the catalog.
Result<image::Digest> find_image(const ImageState& s, const std::string& text, const std::string& default_registry) {
  if (text.rfind("sha256:", 0) == 0) return image::Digest::parse(text);
  auto ref = image::parse_reference(text, default_registry);
  if (!ref) return ref.error();
  if (ref->digest) return *ref->digest;
  auto d = s.catalog.resolve(ref->registry + "/" + ref->path + ":" + ref->tag);
  if (!d) return make_error("no image " + ref->canonical_string() + " here (see `shoal image ls`; `shoal image pull` fetches it)");
  return *d;
}

// The canonical name (or digest) `image rm` passes to plan_remove.
Result<std::string> removal_key(const std::string& text, const std::string& default_registry) {
  if (text.rfind("sha256:", 0) == 0) return text;
  auto ref = image::parse_reference(text, default_registry);
  if (!ref) return ref.error();
  if (ref->digest) return ref->digest->to_string();
  return ref->registry + "/" + ref->path + ":" + ref->tag;
}

void remove_layer_dirs(const ImageState& s, const std::vector<image::Digest>& diff_ids) {
  for (const auto& d : diff_ids) {
    std::error_code ec;
    std::filesystem::remove_all(std::filesystem::path(image::layer_fs_path(s.layers_root(), d)).parent_path(), ec);
    if (ec) log_warning("image: cannot remove unpacked layer " + d.to_string() + ": " + ec.message());
  }
}

// Applies a prune plan: catalog first, then blobs (catalog_file.h's crash order), then the
// unpacked layers no remaining image uses.
Status remove_images(ImageState& s, const image::PrunePlan& plan) {
  auto freed_layers = image::layers_freed(s.catalog, plan.remove_images);
  if (auto a = image::apply_prune(plan, s.catalog_path(), s.catalog, s.store); !a) return a;
  remove_layer_dirs(s, freed_layers);
  return {};
}

ApiResponse image_ls(ImageState& s, const image::ImageUsers& users, const std::vector<std::string>& args) {
  auto f = parse_flags("image ls", args, {{"--format"}, {}});
  if (!f) return fail(f.message(), 2);
  if (!f->positional.empty()) return fail("image ls: unexpected argument '" + f->positional[0] + "'", 2);
  auto json = want_json(*f);
  if (!json) return fail(json.message(), 2);
  auto rows = image::image_rows(s.catalog, users);
  auto joined = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ",") + x;
    return out;
  };
  if (*json) {
    JsonWriter j;
    j.begin_array();
    for (const auto& r : rows) {
      j.begin_object().field("repository", r.repository).field("tag", r.tag)
          .field("digest", r.digest.to_string()).field("size", r.size);
      j.key("services").begin_array();
      for (const auto& svc : r.services) j.value(svc);
      j.end_array().end_object();
    }
    j.end_array();
    return ok(j.str() + "\n");
  }
  std::vector<std::vector<std::string>> table{{"REPOSITORY", "TAG", "DIGEST", "SIZE", "SERVICES"}};
  for (const auto& r : rows)
    table.push_back({r.repository, r.tag, r.digest.to_string(), format_size(r.size), joined(r.services)});
  return ok(render_table(table));
}

void write_strings(JsonWriter& j, std::string_view key, const std::vector<std::string>& v) {
  j.key(key).begin_array();
  for (const auto& x : v) j.value(x);
  j.end_array();
}

ApiResponse image_inspect(ImageState& s, const image::ImageUsers& users, const std::string& default_registry,
                          const std::vector<std::string>& args) {
  auto f = parse_flags("image inspect", args, {{"--format"}, {}});
  if (!f) return fail(f.message(), 2);
  if (f->positional.size() != 1) return fail("image inspect: give one image REF", 2);
  // The answer is always JSON (as `docker image inspect`); --format json is accepted for
  // symmetry with the other verbs, anything else is an error rather than ignored.
  if (auto json = want_json(*f); !json || (f->has("--format") && !*json))
    return fail("image inspect: --format: only json is supported", 2);
  auto d = find_image(s, f->positional[0], default_registry);
  if (!d) return fail("image inspect: " + d.message());
  const image::ImageRecord* r = s.catalog.find(*d);
  if (!r) return fail("image inspect: no image with manifest " + d->to_string() + " here");
  auto bytes = s.store.read_verified(r->config.digest, ImageState::kMaxConfigBytes);
  if (!bytes) return fail("image inspect: " + bytes.message());
  auto config = image::parse_image_config(*bytes);
  if (!config) return fail("image inspect: config " + r->config.digest.to_string() + ": " + config.message());
  JsonWriter j;
  j.begin_object().field("digest", r->manifest.to_string()).field("size", image::image_size(*r));
  write_strings(j, "names", s.catalog.names_of(*d));
  auto u = users.find(*d);
  write_strings(j, "services", u == users.end() ? std::vector<std::string>{} : u->second);
  j.key("config").begin_object().field("digest", r->config.digest.to_string())
      .field("platform", config->platform.to_string());
  write_strings(j, "entrypoint", config->entrypoint);
  write_strings(j, "cmd", config->cmd);
  write_strings(j, "env", config->env);
  j.field("working_dir", config->working_dir).field("user", config->user)
      .field("stop_signal", config->stop_signal).field("healthcheck", config->healthcheck.has_value());
  write_strings(j, "exposed_ports", config->exposed_ports);
  j.end_object();
  j.key("layers").begin_array();
  for (std::size_t i = 0; i < r->layers.size(); ++i)
    j.begin_object().field("digest", r->layers[i].digest.to_string()).field("size", r->layers[i].size)
        .field("diff_id", r->diff_ids[i].to_string()).end_object();
  j.end_array().end_object();
  return ok(j.str() + "\n");
}

ApiResponse image_rm(ImageState& s, const image::ImageUsers& users, const std::string& default_registry,
                     const std::vector<std::string>& args) {
  auto f = parse_flags("image rm", args, {{}, {}});
  if (!f) return fail(f.message(), 2);
  if (f->positional.empty()) return fail("image rm: give one or more image REFs", 2);
  std::string out;
  for (const auto& text : f->positional) {
    auto key = removal_key(text, default_registry);
    if (!key) return fail("image rm: " + key.message());
    auto plan = image::plan_remove(s.catalog, *key, users);
    if (!plan) return fail("image rm: " + plan.message());
    if (!plan->untag.empty()) s.catalog.untag(plan->untag);
    Status done = plan->remove_image ? remove_images(s, plan->blobs) : image::save_catalog(s.catalog_path(), s.catalog);
    if (!done) return fail("image rm " + text + ": " + done.message());
    if (!plan->untag.empty()) out += "untagged: " + plan->untag + "\n";
    for (const auto& d : plan->blobs.remove_images) out += "deleted: " + d.to_string() + "\n";
  }
  return ok(out);
}

ApiResponse image_prune(ImageState& s, const image::ImageUsers& users, const std::vector<std::string>& args) {
  auto f = parse_flags("image prune", args, {{}, {}});
  if (!f) return fail(f.message(), 2);
  if (!f->positional.empty()) return fail("image prune: unexpected argument '" + f->positional[0] + "'", 2);
  auto plan = image::plan_prune(s.catalog, in_use(users), 0);
  if (auto r = remove_images(s, plan); !r) return fail("image prune: " + r.message());
  std::string out;
  for (const auto& d : plan.remove_images) out += "deleted: " + d.to_string() + "\n";
  return ok(out + "reclaimed " + format_size(plan.bytes_before - plan.bytes_after) + "\n");
}

}  // namespace

std::string index_alias(const image::Reference& ref, const image::Digest& index) {
  return ref.registry + "/" + ref.path + "@" + index.to_string();
}

std::optional<image::Digest> held_manifest(const ImageState& s, const image::Reference& ref) {
  if (ref.digest) {
    if (s.catalog.find(*ref.digest)) return *ref.digest;
    return s.catalog.resolve(index_alias(ref, *ref.digest));
  }
  return s.catalog.resolve(ref.registry + "/" + ref.path + ":" + ref.tag);
}

Status Agent::open_images() {
  const std::string root = config_.data_dir + "/images";
  if (auto d = make_dirs(root + "/layers"); !d) return make_error("--data-dir: " + d.message());
  auto store = image::BlobStore::open(root);
  if (!store) return make_error("image store " + root + ": " + store.message());
  auto catalog = image::load_catalog(root + "/catalog");
  if (!catalog) return catalog.error();
  image::HttpRegistryClientConfig rc;
  for (const auto& r : config_.insecure_registries) rc.registries[r].insecure = true;
  if (!config_.registry_auth_file.empty()) {
    auto creds = image::CredentialStore::load(config_.registry_auth_file);
    if (!creds) return make_error("--registry-auth-file: " + creds.message());
    rc.credentials = std::move(*creds);
  }
  images_ = std::make_shared<ImageState>(root, std::move(*store), std::move(*catalog),
                                         std::make_unique<image::HttpRegistryClient>(std::move(rc)));
  return {};
}

ApiResponse Agent::cmd_image(const std::vector<std::string>& args) {
  if (args.empty()) return fail("image: give pull, ls, inspect, rm, prune or load", 2);
  SHOAL_ASSERT(images_ != nullptr);  // opened by init()
  std::vector<std::string> rest(args.begin() + 1, args.end());
  auto users = image_users(*images_, state(), config_.registry_mirror);
  if (args[0] == "ls") return image_ls(*images_, users, rest);
  if (args[0] == "inspect") return image_inspect(*images_, users, config_.registry_mirror, rest);
  if (args[0] == "rm") return image_rm(*images_, users, config_.registry_mirror, rest);
  if (args[0] == "prune") return image_prune(*images_, users, rest);
  if (args[0] == "pull" || args[0] == "load") return fail("image " + args[0] + ": internal: must be answered asynchronously");
  return fail("image: unknown subcommand '" + args[0] + "' (pull, ls, inspect, rm, prune, load)", 2);
}

void Agent::image_async(const std::vector<std::string>& args, ApiServer::Respond respond) {
  SHOAL_ASSERT(!args.empty() && (args[0] == "pull" || args[0] == "load"));
  const std::string verb = "image " + args[0];
  auto f = parse_flags(verb, {args.begin() + 1, args.end()}, {{}, {}});
  if (!f) return respond(fail(f.message(), 2));
  if (f->positional.size() != 1)
    return respond(fail(verb + (args[0] == "pull" ? ": give one image REF" : ": give one FILE"), 2));
  const std::string arg = f->positional[0];
  ImageState* s = images_.get();
  const std::uint64_t now_ms = now().wall_ms;
  std::string key;
  std::function<Result<std::vector<PulledImage>>()> work;
  if (args[0] == "pull") {
    auto ref = image::parse_reference(arg, config_.registry_mirror);
    if (!ref) return respond(fail(verb + ": " + ref.message(), 2));
    key = "pull " + ref->canonical_string();
    PeerBlobSource peers;
    for (const NodeId& id : live_peers())
      if (auto m = swim_->member(id)) peers.addrs.push_back(m->addr);
    peers.ask = [this](const std::string& addr, const BlobChunkRequest& r) { return ask_peer_for_blob(addr, r); };
    work = [s, ref = *ref, now_ms, peers]() -> Result<std::vector<PulledImage>> {
      auto p = pull_image(*s, ref, now_ms, peers);
      if (!p) return p.error();
      return std::vector<PulledImage>{std::move(*p)};
    };
  } else {
    if (arg.empty() || arg[0] != '/') return respond(fail(verb + ": FILE must be an absolute path (the CLI makes it one)", 2));
    key = "load " + std::to_string(s->next_waiter);  // loads are never merged
    image::LoadOptions options;
    options.default_registry = config_.registry_mirror;
    options.now_ms = now_ms;
    work = [s, arg, options, scratch = s->catalog]() { return load_archive(*s, arg, scratch, options); };
  }
  const auto id = s->next_waiter++;
  switch (s->jobs.request(image::Digest::of(key), id)) {
    case image::FetchTable::Decision::kBusy:
      return respond(fail(verb + ": too many image operations in progress here; try again shortly"));
    case image::FetchTable::Decision::kJoin:
      s->waiters.emplace(id, std::move(respond));
      return;
    case image::FetchTable::Decision::kStart:
      s->waiters.emplace(id, std::move(respond));
      break;
  }
  boost::asio::post(s->workers, [this, work = std::move(work), key, verb] {
    auto outcome = work();
    boost::asio::post(io_, [this, key, verb, outcome = std::move(outcome)]() mutable {
      finish_pull(key, std::move(outcome), verb);
    });
  });
}

void Agent::finish_pull(const std::string& key, Result<std::vector<PulledImage>> outcome, const std::string& verb) {
  ImageState& s = *images_;
  ApiResponse answer;
  if (!outcome) {
    log_warning(verb + " failed: " + outcome.message());
    answer = fail(verb + ": " + outcome.message());
  } else {
    std::string text;
    Status recorded;
    for (auto& p : *outcome) {
      s.catalog.add(p.record);
      for (const auto& name : p.names)
        if (auto t = s.catalog.tag(name, p.record.manifest); !t && recorded) recorded = t;
      text += (p.names.empty() ? std::string("<none>") : p.names.front()) + " " + p.record.manifest.to_string() + "\n";
    }
    if (auto saved = image::save_catalog(s.catalog_path(), s.catalog); !saved && recorded) recorded = saved;
    answer = recorded ? ok(text) : fail(verb + ": " + recorded.message());
  }
  ++(answer.exit_code == 0 ? shell_metrics_.image_pulls : shell_metrics_.image_pulls_failed);
  for (auto id : s.jobs.finish(image::Digest::of(key))) {
    auto it = s.waiters.find(id);
    SHOAL_ASSERT(it != s.waiters.end());
    it->second(answer);
    s.waiters.erase(it);
  }
}

std::optional<image::RegistryClientCounters> Agent::registry_counters() const {
  if (!images_ || !images_->client) return std::nullopt;
  return images_->client->counters();
}

}  // namespace shoal
