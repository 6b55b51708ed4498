#include "image/layer_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "common/unique_fd.h"
#include "image/file_io.h"

namespace shoal::image {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";  // AUFS bookkeeping (.wh..wh.plnk)
constexpr const char* kOpaqueXattr = "trusted.overlay.opaque";
constexpr std::size_t kReadChunk = 1 << 17;

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

std::string sys_error(const std::string& what, std::string_view entry) {
  return what + " '" + std::string(entry) + "': " + std::strerror(errno);
}

// Splits an entry's path into components. "./" and "." are dropped (tar writers prefix them);
// absolute paths, ".." and over-long paths are refused.
Result<std::vector<std::string>> split_entry_path(std::string_view path, std::size_t max_bytes) {
  if (path.size() > max_bytes) return make_error("path longer than " + std::to_string(max_bytes) + " bytes");
  if (!path.empty() && path.front() == '/') return make_error("absolute path");
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view c = path.substr(start, end - start);
    if (c == "..") return make_error("'..' component");
    if (!c.empty() && c != ".") out.emplace_back(c);
    start = end + 1;
  }
  return out;
}

// The uncompressed tar stream: a libarchive "raw" reader decompresses the blob (any filter
// it knows: gzip, zstd, xz...), and every byte handed to the tar reader is hashed on the way.
struct Stream {
  archive* raw = nullptr;
  Sha256Hasher hasher;
  std::vector<char> buf = std::vector<char>(kReadChunk);
  std::string error;
};

la_ssize_t stream_read(archive* tar, void* client, const void** out) {
  auto* s = static_cast<Stream*>(client);
  const la_ssize_t n = archive_read_data(s->raw, s->buf.data(), s->buf.size());
  if (n < 0) {
    s->error = archive_error_string(s->raw) ? archive_error_string(s->raw) : "decompression failed";
    archive_set_error(tar, EIO, "%s", s->error.c_str());
    return -1;
  }
  s->hasher.update(s->buf.data(), static_cast<std::size_t>(n));
  *out = s->buf.data();
  return n;
}

struct DirMeta {
  std::vector<std::string> path;
  mode_t mode;
  uid_t uid;
  gid_t gid;
  timespec mtime;
};

class Unpacker {
 public:
  Unpacker(int root_fd, const UnpackOptions& options) : root_(root_fd), options_(options) {}

  Status apply(archive* tar, archive_entry* entry);
  Status finish_dirs();
  const UnpackStats& stats() const { return stats_; }

 private:
  Result<UniqueFd> open_dir(const std::vector<std::string>& comps, std::size_t count, bool create,
                      std::string_view entry);
  Status remove_existing(int parent, const std::string& name, bool keep_dir, std::string_view entry);
  Status write_file(archive* tar, archive_entry* e, int parent, const std::string& name);
  Status make_dir(archive_entry* e, int parent, const std::vector<std::string>& comps);
  Status make_hardlink(archive_entry* e, int parent, const std::string& name);
  Status make_whiteout(int parent, const std::string& name, std::string_view entry);
  Status set_owner_times(int parent, const std::string& name, archive_entry* e);
  Status set_xattrs(int fd, archive_entry* e);

  int root_;
  const UnpackOptions& options_;
  UnpackStats stats_;
  std::vector<DirMeta> dirs_;
};

// Opens comps[0..count) below the root one component at a time, never following a symlink.
Result<UniqueFd> Unpacker::open_dir(const std::vector<std::string>& comps, std::size_t count,
                              bool create, std::string_view entry) {
  UniqueFd cur(::openat(root_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (cur.get() < 0) return make_error(sys_error("open layer root for", entry));
  for (std::size_t i = 0; i < count; ++i) {
    const char* c = comps[i].c_str();
    int fd = ::openat(cur.get(), c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
      if (::mkdirat(cur.get(), c, 0755) != 0 && errno != EEXIST) {
        return make_error(sys_error("create parent directory of", entry));
      }
      fd = ::openat(cur.get(), c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
      struct stat st{};
      if (::fstatat(cur.get(), c, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
        return make_error("'" + std::string(entry) + "': its path goes through the symlink '" +
                          comps[i] + "' (an escape attempt)");
      }
      return make_error(sys_error("open parent directory '" + comps[i] + "' of", entry));
    }
    cur = UniqueFd(fd);
  }
  return cur;
}

Status Unpacker::remove_existing(int parent, const std::string& name, bool keep_dir,
                                 std::string_view entry) {
  struct stat st{};
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return {};
  if (S_ISDIR(st.st_mode)) {
    if (keep_dir) return {};
    // /proc/self/fd/N resolves the (safely opened) parent; remove_tree does not follow links.
    return remove_tree("/proc/self/fd/" + std::to_string(parent) + "/" + name);
  }
  if (::unlinkat(parent, name.c_str(), 0) != 0) return make_error(sys_error("replace", entry));
  return {};
}

Status Unpacker::set_xattrs(int fd, archive_entry* e) {
  const int count = archive_entry_xattr_reset(e);
  if (count > static_cast<int>(options_.max_xattrs_per_entry)) {
    return make_error(std::to_string(count) + " xattrs on one entry (at most " +
                      std::to_string(options_.max_xattrs_per_entry) + ")");
  }
  const char* name = nullptr;
  const void* value = nullptr;
  std::size_t size = 0;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    const std::string_view n = name ? name : "";
    // overlayfs reads its own xattrs from trusted.overlay.* (and user.overlay.* when mounted
    // with userxattr): a layer must never supply them.
    const bool overlay_owned = n.starts_with("trusted.overlay.") || n.starts_with("user.overlay.");
    const bool allowed = (n.starts_with("user.") || n.starts_with("security.") ||
                          n.starts_with("trusted.")) && !overlay_owned;
    if (!allowed || size > options_.max_xattr_value_bytes) {
      ++stats_.dropped_xattrs;
      continue;
    }
    if (::fsetxattr(fd, name, value, size, 0) != 0 && errno != ENOTSUP) {
      return make_error(std::string("set xattr ") + name + ": " + std::strerror(errno));
    }
  }
  return {};
}

Status Unpacker::set_owner_times(int parent, const std::string& name, archive_entry* e) {
  if (options_.keep_ownership &&
      ::fchownat(parent, name.c_str(), archive_entry_uid(e), archive_entry_gid(e),
                 AT_SYMLINK_NOFOLLOW) != 0) {
    return make_error(sys_error("chown", archive_entry_pathname(e)));
  }
  const timespec times[2] = {{archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
                             {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
  if (::utimensat(parent, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return make_error(sys_error("set times of", archive_entry_pathname(e)));
  }
  return {};
}

Status Unpacker::write_file(archive* tar, archive_entry* e, int parent, const std::string& name) {
  const char* path = archive_entry_pathname(e);
  UniqueFd fd(::openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) return make_error(sys_error("create", path));
  const void* block = nullptr;
  std::size_t size = 0;
  la_int64_t offset = 0;
  while (true) {
    const int rc = archive_read_data_block(tar, &block, &size, &offset);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK) return make_error(std::string("read '") + path + "': " + archive_error_string(tar));
    stats_.file_bytes += size;
    if (stats_.file_bytes > options_.max_total_bytes) {
      return make_error("layer holds more than " + std::to_string(options_.max_total_bytes) +
                        " bytes of files (the limit)");
    }
    const char* p = static_cast<const char*>(block);
    for (std::size_t done = 0; done < size;) {
      const ssize_t n = ::pwrite(fd.get(), p + done, size - done, offset + static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return make_error(sys_error("write", path));
      done += static_cast<std::size_t>(n);
    }
  }
  // Sparse files end in a hole the blocks do not cover.
  if (::ftruncate(fd.get(), archive_entry_size(e)) != 0) return make_error(sys_error("size", path));
  if (auto st = set_xattrs(fd.get(), e); !st) return make_error(std::string(path) + ": " + st.message());
  if (options_.keep_ownership && ::fchown(fd.get(), archive_entry_uid(e), archive_entry_gid(e)) != 0) {
    return make_error(sys_error("chown", path));
  }
  // After chown, which clears setuid/setgid.
  if (::fchmod(fd.get(), archive_entry_perm(e)) != 0) return make_error(sys_error("chmod", path));
  const timespec times[2] = {{archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
                             {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
  if (::futimens(fd.get(), times) != 0) return make_error(sys_error("set times of", path));
  return {};
}

Status Unpacker::make_dir(archive_entry* e, int parent, const std::vector<std::string>& comps) {
  const char* path = archive_entry_pathname(e);
  if (!comps.empty()) {
    const std::string& name = comps.back();
    if (auto st = remove_existing(parent, name, /*keep_dir=*/true, path); !st) return st;
    if (::mkdirat(parent, name.c_str(), 0700) != 0 && errno != EEXIST) {
      return make_error(sys_error("create directory", path));
    }
  }
  auto dir = open_dir(comps, comps.size(), false, path);
  if (!dir) return dir.error();
  if (auto st = set_xattrs(dir->get(), e); !st) return make_error(std::string(path) + ": " + st.message());
  // Owner, mode and mtime last (finish_dirs): creating children changes a dir's mtime, and a
  // read-only mode would stop them being created.
  dirs_.push_back({comps, static_cast<mode_t>(archive_entry_perm(e)),
                   static_cast<uid_t>(archive_entry_uid(e)), static_cast<gid_t>(archive_entry_gid(e)),
                   {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}});
  return {};
}

Status Unpacker::make_hardlink(archive_entry* e, int parent, const std::string& name) {
  const char* path = archive_entry_pathname(e);
  const char* target = archive_entry_hardlink(e);
  auto comps = split_entry_path(target, options_.max_path_bytes);
  if (!comps || comps->empty()) {
    return make_error(std::string("'") + path + "': hard link target '" + target + "' is outside the layer (" +
                      (comps ? "the layer root" : comps.message()) + ")");
  }
  auto tparent = open_dir(*comps, comps->size() - 1, false, path);
  if (!tparent) return make_error("hard link " + tparent.message());
  struct stat st{};
  if (::fstatat(tparent->get(), comps->back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return make_error(std::string("'") + path + "': hard link target '" + target + "' is not an earlier entry");
  }
  if (S_ISDIR(st.st_mode)) return make_error(std::string("'") + path + "': hard link to a directory");
  if (auto r = remove_existing(parent, name, false, path); !r) return r;
  if (::linkat(tparent->get(), comps->back().c_str(), parent, name.c_str(), 0) != 0) {
    return make_error(sys_error("hard link", path));
  }
  return {};
}

Status Unpacker::make_whiteout(int parent, const std::string& name, std::string_view entry) {
  if (name == kOpaqueMarker) {
    if (::fsetxattr(parent, kOpaqueXattr, "y", 1, 0) != 0) {
      return make_error(sys_error("mark opaque (needs root)", entry));
    }
    ++stats_.opaque_dirs;
    return {};
  }
  if (name.starts_with(kWhiteoutMetaPrefix)) return {};  // AUFS bookkeeping: nothing to make
  const std::string hidden = name.substr(kWhiteoutPrefix.size());
  if (hidden.empty() || hidden == "." || hidden == "..") {
    return make_error("'" + std::string(entry) + "': whiteout of nothing");
  }
  if (auto st = remove_existing(parent, hidden, false, entry); !st) return st;
  if (::mknodat(parent, hidden.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0) {
    return make_error(sys_error("create whiteout (needs root)", entry));
  }
  ++stats_.whiteouts;
  return {};
}

Status Unpacker::apply(archive* tar, archive_entry* e) {
  if (++stats_.entries > options_.max_entries) {
    return make_error("layer has more than " + std::to_string(options_.max_entries) + " entries (the limit)");
  }
  const char* raw_path = archive_entry_pathname(e);
  if (!raw_path) return make_error("an entry has no path");
  auto comps = split_entry_path(raw_path, options_.max_path_bytes);
  if (!comps) return make_error(std::string("'") + raw_path + "': " + comps.message() + " (refused)");
  const mode_t type = archive_entry_filetype(e);
  if (comps->empty()) {
    if (type != AE_IFDIR) return make_error(std::string("'") + raw_path + "' names the layer root but is not a directory");
    return make_dir(e, root_, *comps);
  }
  auto parent = open_dir(*comps, comps->size() - 1, true, raw_path);
  if (!parent) return parent.error();
  const std::string& name = comps->back();
  const int pfd = parent->get();
  if (options_.overlay_whiteouts && name.starts_with(kWhiteoutPrefix)) return make_whiteout(pfd, name, raw_path);
  if (archive_entry_hardlink(e)) return make_hardlink(e, pfd, name);
  switch (type) {
    case AE_IFDIR:
      return make_dir(e, pfd, *comps);
    case AE_IFREG:
      if (auto st = remove_existing(pfd, name, false, raw_path); !st) return st;
      return write_file(tar, e, pfd, name);
    case AE_IFLNK: {
      if (auto st = remove_existing(pfd, name, false, raw_path); !st) return st;
      const char* target = archive_entry_symlink(e);
      // The target is stored, never followed here: it is resolved inside the container.
      if (!target || ::symlinkat(target, pfd, name.c_str()) != 0) return make_error(sys_error("symlink", raw_path));
      return set_owner_times(pfd, name, e);
    }
    case AE_IFIFO:
    case AE_IFCHR:
    case AE_IFBLK: {
      if (type != AE_IFIFO && !options_.allow_devices) {
        return make_error(std::string("'") + raw_path + "' is a device node; layers may not create devices");
      }
      if (auto st = remove_existing(pfd, name, false, raw_path); !st) return st;
      if (::mknodat(pfd, name.c_str(), type | archive_entry_perm(e), archive_entry_rdev(e)) != 0) {
        return make_error(sys_error("create node", raw_path));
      }
      if (auto st = set_owner_times(pfd, name, e); !st) return st;
      if (::fchmodat(pfd, name.c_str(), archive_entry_perm(e), 0) != 0) return make_error(sys_error("chmod", raw_path));
      return {};
    }
    default:
      return {};  // sockets and unknown types: nothing a filesystem layer needs
  }
}

Status Unpacker::finish_dirs() {
  // Deepest first, so setting a parent's mtime is not undone by fixing a child.
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    const std::string shown = it->path.empty() ? "/" : it->path.back();
    auto dir = open_dir(it->path, it->path.size(), false, shown);
    if (!dir) return dir.error();
    if (options_.keep_ownership && ::fchown(dir->get(), it->uid, it->gid) != 0) {
      return make_error(sys_error("chown directory", shown));
    }
    if (::fchmod(dir->get(), it->mode) != 0) return make_error(sys_error("chmod directory", shown));
    const timespec times[2] = {it->mtime, it->mtime};
    if (::futimens(dir->get(), times) != 0) return make_error(sys_error("set times of directory", shown));
  }
  return {};
}

Result<ArchivePtr> open_raw(const std::string& blob_path) {
  ArchivePtr raw(archive_read_new());
  archive_read_support_filter_all(raw.get());
  archive_read_support_format_raw(raw.get());
  if (archive_read_open_filename(raw.get(), blob_path.c_str(), kReadChunk) != ARCHIVE_OK) {
    return make_error("open layer " + blob_path + ": " + archive_error_string(raw.get()));
  }
  archive_entry* entry = nullptr;
  if (archive_read_next_header(raw.get(), &entry) != ARCHIVE_OK) {
    return make_error("layer " + blob_path + " is not a readable (compressed) stream: " +
                      archive_error_string(raw.get()));
  }
  return raw;
}

}  // namespace

Result<UnpackStats> unpack_layer(const std::string& blob_path, const std::string& target_dir,
                                 const std::optional<Digest>& diff_id, const UnpackOptions& options) {
  const std::string name = diff_id ? "layer " + diff_id->short_hex() : "archive " + blob_path;
  auto raw = open_raw(blob_path);
  if (!raw) return raw.error();
  Stream stream;
  stream.raw = raw->get();
  ArchivePtr tar(archive_read_new());
  archive_read_support_format_tar(tar.get());
  archive_read_support_format_gnutar(tar.get());
  if (archive_read_open(tar.get(), &stream, nullptr, stream_read, nullptr) != ARCHIVE_OK) {
    return make_error("layer " + blob_path + ": " + archive_error_string(tar.get()));
  }
  UniqueFd root(::open(target_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (root.get() < 0) return make_error(sys_error("open", target_dir));
  Unpacker unpacker(root.get(), options);
  archive_entry* entry = nullptr;
  while (true) {
    const int rc = archive_read_next_header(tar.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      return make_error(name + " is not a valid tar stream: " +
                        (stream.error.empty() ? archive_error_string(tar.get()) : stream.error));
    }
    if (auto st = unpacker.apply(tar.get(), entry); !st) {
      return make_error(name + ": " + st.message());
    }
  }
  if (auto st = unpacker.finish_dirs(); !st) return make_error(name + ": " + st.message());
  // The tar reader stops at the end-of-archive blocks; hash the padding after them too.
  const void* rest = nullptr;
  while (stream_read(tar.get(), &stream, &rest) > 0) {
  }
  if (!stream.error.empty()) return make_error(name + ": " + stream.error);
  const Digest got = stream.hasher.finish();
  if (diff_id && got != *diff_id) {
    return make_error("layer's uncompressed content hashes to " + got.to_string() +
                      " but the image config says " + diff_id->to_string());
  }
  return unpacker.stats();
}

Result<Digest> uncompressed_digest(const std::string& blob_path) {
  auto raw = open_raw(blob_path);
  if (!raw) return raw.error();
  Sha256Hasher hasher;
  std::vector<char> buf(kReadChunk);
  while (true) {
    const la_ssize_t n = archive_read_data(raw->get(), buf.data(), buf.size());
    if (n < 0) return make_error("layer " + blob_path + ": " + archive_error_string(raw->get()));
    if (n == 0) break;
    hasher.update(buf.data(), static_cast<std::size_t>(n));
  }
  return hasher.finish();
}

std::string layer_fs_path(const std::string& layers_root, const Digest& diff_id) {
  return layers_root + "/" + diff_id.hex() + "/fs";
}

bool layer_unpacked(const std::string& layers_root, const Digest& diff_id) {
  struct stat st{};
  return ::stat((layers_root + "/" + diff_id.hex() + "/done").c_str(), &st) == 0;
}

Result<std::string> ensure_layer_unpacked(const std::string& layers_root, const Digest& diff_id,
                                          const std::string& blob_path,
                                          const UnpackOptions& options) {
  const std::string dir = layers_root + "/" + diff_id.hex();
  const std::string fs = layer_fs_path(layers_root, diff_id);
  if (layer_unpacked(layers_root, diff_id)) return fs;
  if (auto st = remove_tree(dir); !st) return st.error();  // a crashed earlier attempt
  if (auto st = make_dirs(fs, 0755); !st) return st.error();
  auto stats = unpack_layer(blob_path, fs, diff_id, options);
  if (!stats) {
    (void)remove_tree(dir);
    return stats.error();
  }
  {
    UniqueFd fd(::open(fs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0 || ::syncfs(fd.get()) != 0) return make_error(sys_error("sync", fs));
  }
  if (auto st = write_file_atomic(dir + "/done", diff_id.to_string() + "\n"); !st) return st.error();
  return fs;
}

}  // namespace shoal::image
