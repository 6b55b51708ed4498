// Unpacking one image layer (a tar stream, gzip/zstd/uncompressed, autodetected by libarchive)
// into a directory of its own, ready to be an overlayfs lower dir.
//
// Layers are untrusted input. Every entry is created relative to directory fds opened one
// component at a time with O_NOFOLLOW, so nothing is ever written through a symlink:
// - absolute paths and `..` components are refused (not "cleaned": a layer that tries is
//   hostile or broken, and the user should hear which);
// - an entry whose parent path runs through a symlink (even one the layer itself made) is
//   refused; a hard link must name an earlier entry inside the layer, reached the same way;
// - device nodes are refused unless allowed; total bytes, entry count, path length and
//   xattrs are capped; overlayfs' own xattrs (trusted.overlay.*, user.overlay.*) are dropped, since a forged
//   redirect or metacopy could make overlayfs read outside the layer.
// Whiteouts become what overlayfs reads: `.wh.NAME` -> a 0/0 character device NAME;
// `.wh..wh..opq` -> xattr trusted.overlay.opaque=y on its directory (both need root).
// Owners, modes (setuid included), mtimes and xattrs are kept.
//
// The uncompressed stream is hashed on the way through and must equal the layer's diff_id
// from the image config: unpacked layers are shared by diff_id, so a wrong one would let one
// image's layer stand in for another's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "image/digest.h"

namespace shoal::image {

struct UnpackOptions {
  // Largest sum of file sizes in one layer. Real layers are up to a few GiB; 16 GiB leaves
  // room while a decompression bomb still stops well before the disk fills.
  std::uint64_t max_total_bytes = std::uint64_t{16} << 30;
  // Most entries in one layer (a full distro layer has ~30k; node_modules layers ~200k).
  std::uint64_t max_entries = 1'000'000;
  // PATH_MAX: longer paths cannot be created anyway, and bound the walk per entry.
  std::size_t max_path_bytes = 4096;
  // Most xattrs per entry and bytes per value (Linux allows 64 KiB per value).
  std::size_t max_xattrs_per_entry = 64;
  std::size_t max_xattr_value_bytes = 64u << 10;
  // Character/block device nodes (other than whiteouts). Off: an image has no business
  // shipping /dev entries; runc creates the ones a container gets.
  bool allow_devices = false;
  // chown entries to the layer's uid/gid. Needs root; tests as a normal user turn it off.
  bool keep_ownership = true;
  // Translate whiteouts for overlayfs. Needs root (mknod, trusted.* xattrs).
  bool overlay_whiteouts = true;
};

struct UnpackStats {
  std::uint64_t entries = 0;
  std::uint64_t file_bytes = 0;
  std::uint64_t whiteouts = 0;
  std::uint64_t opaque_dirs = 0;
  std::uint64_t dropped_xattrs = 0;
};

// Unpacks the (compressed or not) layer at `blob_path` into the existing, empty directory
// `target_dir`, checking the uncompressed stream against `diff_id` (nullopt: no check, for
// archives that are not layers, e.g. a `docker save` file being loaded). On error the
// directory is left partial: the caller (ensure_layer_unpacked) removes it.
Result<UnpackStats> unpack_layer(const std::string& blob_path, const std::string& target_dir,
                                 const std::optional<Digest>& diff_id, const UnpackOptions& options);

// The digest of a layer blob's uncompressed stream (its diff_id), by decompressing it.
Result<Digest> uncompressed_digest(const std::string& blob_path);

// Once per layer: <layers_root>/<diff_id hex>/fs is the unpacked tree, and
// <layers_root>/<diff_id hex>/done (written last, after syncfs) marks it complete. A dir
// without the marker is a crashed earlier attempt and is removed first. Returns the fs path.
// Concurrent calls for one diff_id must be serialised by the caller (FetchTable).
Result<std::string> ensure_layer_unpacked(const std::string& layers_root, const Digest& diff_id,
                                          const std::string& blob_path,
                                          const UnpackOptions& options);

// The fs path of an unpacked layer, if it is complete.
bool layer_unpacked(const std::string& layers_root, const Digest& diff_id);
std::string layer_fs_path(const std::string& layers_root, const Digest& diff_id);

}  // namespace shoal::image
