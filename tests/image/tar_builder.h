// Builds layer tarballs in a test with libarchive's writer: any entry a hostile layer could
// hold (absolute paths, '..', symlink and hardlink tricks, devices), plain or compressed.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include "common/result.h"
#include "image/digest.h"

namespace shoal::image::testing {

struct TarEntry {
  std::string path;
  mode_t type = AE_IFREG;
  std::string data;          // file contents
  std::string link;          // symlink target or hardlink target
  bool hardlink = false;
  mode_t perm = 0644;
  int64_t uid = 0, gid = 0;
  int64_t mtime = 1'600'000'000;
  dev_t rdev = 0;
  int64_t size = -1;         // -1: data.size(); larger makes a sparse-looking claim
  std::vector<std::pair<std::string, std::string>> xattrs;
};

inline TarEntry file(std::string path, std::string data, mode_t perm = 0644) {
  TarEntry e; e.path = std::move(path); e.data = std::move(data); e.perm = perm; return e;
}
inline TarEntry dir(std::string path, mode_t perm = 0755) {
  TarEntry e; e.path = std::move(path); e.type = AE_IFDIR; e.perm = perm; return e;
}
inline TarEntry symlink(std::string path, std::string target) {
  TarEntry e; e.path = std::move(path); e.type = AE_IFLNK; e.link = std::move(target); e.perm = 0777; return e;
}
inline TarEntry hardlink(std::string path, std::string target) {
  TarEntry e; e.path = std::move(path); e.link = std::move(target); e.hardlink = true; return e;
}

// The uncompressed tar (pax format, so xattrs and long names survive).
inline std::string build_tar(const std::vector<TarEntry>& entries) {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  std::size_t capacity = 1u << 20;
  for (const auto& t : entries) capacity += t.data.size() + t.path.size() * 4 + 4096;
  std::vector<char> buf(capacity);
  std::size_t used = 0;
  SHOAL_ASSERT(archive_write_open_memory(a, buf.data(), buf.size(), &used) == ARCHIVE_OK);
  for (const auto& t : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.path.c_str());
    archive_entry_set_perm(e, t.perm);
    archive_entry_set_uid(e, t.uid);
    archive_entry_set_gid(e, t.gid);
    archive_entry_set_mtime(e, t.mtime, 0);
    for (const auto& [k, v] : t.xattrs) archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    if (t.hardlink) {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_hardlink(e, t.link.c_str());
      archive_entry_set_size(e, 0);
    } else {
      archive_entry_set_filetype(e, t.type);
      if (t.type == AE_IFLNK) archive_entry_set_symlink(e, t.link.c_str());
      if (t.type == AE_IFCHR || t.type == AE_IFBLK) archive_entry_set_rdev(e, t.rdev);
      archive_entry_set_size(e, t.type == AE_IFREG ? (t.size >= 0 ? t.size : static_cast<int64_t>(t.data.size())) : 0);
    }
    SHOAL_ASSERT(archive_write_header(a, e) == ARCHIVE_OK);
    if (t.type == AE_IFREG && !t.hardlink && !t.data.empty()) {
      archive_write_data(a, t.data.data(), t.data.size());
    }
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buf.data(), used);
}

enum class Filter { kNone, kGzip, kZstd };

// Compresses `data` with libarchive's raw format + a filter.
inline std::string compress(const std::string& data, Filter f) {
  if (f == Filter::kNone) return data;
  archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  if (f == Filter::kGzip) archive_write_add_filter_gzip(a);
  if (f == Filter::kZstd) SHOAL_ASSERT(archive_write_add_filter_zstd(a) == ARCHIVE_OK);
  std::vector<char> buf(data.size() + (1u << 20));
  std::size_t used = 0;
  SHOAL_ASSERT(archive_write_open_memory(a, buf.data(), buf.size(), &used) == ARCHIVE_OK);
  archive_entry* e = archive_entry_new();
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_size(e, static_cast<int64_t>(data.size()));
  SHOAL_ASSERT(archive_write_header(a, e) == ARCHIVE_OK);
  archive_write_data(a, data.data(), data.size());
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buf.data(), used);
}

struct BuiltLayer {
  std::string path;
  Digest diff_id;
};

inline BuiltLayer write_layer(const std::string& path, const std::vector<TarEntry>& entries,
                              Filter f = Filter::kGzip) {
  const std::string tar = build_tar(entries);
  std::ofstream(path, std::ios::binary) << compress(tar, f);
  return {path, Digest::of(tar)};
}

}  // namespace shoal::image::testing
