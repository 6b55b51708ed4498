#include "image/blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "image/file_io.h"

namespace shoal::image {
namespace {

std::string blobs_dir(const std::string& root) { return root + "/blobs/sha256"; }
std::string tmp_dir(const std::string& root) { return root + "/tmp"; }

Result<std::vector<std::string>> dir_names(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return make_error(errno_text("open directory", dir));
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

Status write_all(int fd, std::string_view bytes, const std::string& path) {
  for (std::size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error(errno_text("write", path));
    done += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

BlobWriter::BlobWriter(std::string blobs_dir, Digest expected, std::uint64_t expected_size,
                       int fd, std::string temp_path)
    : blobs_dir_(std::move(blobs_dir)), expected_(std::move(expected)), expected_size_(expected_size), fd_(fd),
      temp_path_(std::move(temp_path)) {}

BlobWriter::BlobWriter(BlobWriter&& other) noexcept
    : blobs_dir_(other.blobs_dir_), expected_(other.expected_), expected_size_(other.expected_size_),
      fd_(other.fd_), temp_path_(std::move(other.temp_path_)), hasher_(other.hasher_),
      failed_(other.failed_) {
  other.fd_ = -1;
  other.temp_path_.clear();
}

BlobWriter::~BlobWriter() { discard(); }

void BlobWriter::discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
}

Status BlobWriter::write(std::string_view chunk) {
  if (failed_ || fd_ < 0) return make_error("blob " + expected_.to_string() + ": write after a failure");
  if (hasher_.bytes() + chunk.size() > expected_size_) {
    failed_ = true;
    discard();
    return make_error("blob " + expected_.to_string() + " is larger than its announced " +
                      std::to_string(expected_size_) + " bytes");
  }
  if (auto st = write_all(fd_, chunk, temp_path_); !st) {
    failed_ = true;
    discard();
    return st;
  }
  hasher_.update(chunk);
  return {};
}

Status BlobWriter::commit() {
  if (failed_ || fd_ < 0) return make_error("blob " + expected_.to_string() + ": commit after a failure");
  failed_ = true;  // whatever happens below, this writer is done
  if (hasher_.bytes() != expected_size_) {
    const std::uint64_t got = hasher_.bytes();
    discard();
    return make_error("blob " + expected_.to_string() + " is truncated: " + std::to_string(got) +
                      " of " + std::to_string(expected_size_) + " bytes");
  }
  const Digest got = hasher_.finish();
  if (got != expected_) {
    discard();
    return make_error("blob " + expected_.to_string() + " does not match its digest (the bytes hash to " +
                      got.to_string() + ")");
  }
  if (::fsync(fd_) != 0) {
    const std::string why = errno_text("fsync", temp_path_);
    discard();
    return make_error(why);
  }
  ::close(fd_);
  fd_ = -1;
  const std::string final_path = blobs_dir_ + "/" + expected_.hex();
  if (::rename(temp_path_.c_str(), final_path.c_str()) != 0) {
    const std::string why = errno_text("rename into", final_path);
    discard();
    return make_error(why);
  }
  temp_path_.clear();
  return fsync_dir(blobs_dir_);
}

Result<BlobStore> BlobStore::open(const std::string& root) {
  if (auto st = make_dirs(blobs_dir(root), 0700); !st) return st.error();
  if (auto st = make_dirs(tmp_dir(root), 0700); !st) return st.error();
  auto leftovers = dir_names(tmp_dir(root));
  if (!leftovers) return leftovers.error();
  for (const auto& name : *leftovers) {
    // Partial writes of a process that died; nothing refers to them.
    if (auto st = remove_tree(tmp_dir(root) + "/" + name); !st) return st.error();
  }
  return BlobStore(root);
}

std::string BlobStore::path(const Digest& d) const { return blobs_dir(root_) + "/" + d.hex(); }

bool BlobStore::has(const Digest& d) const {
  struct stat st{};
  return ::lstat(path(d).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Result<std::uint64_t> BlobStore::size(const Digest& d) const {
  struct stat st{};
  if (::lstat(path(d).c_str(), &st) != 0) return make_error(errno_text("stat blob", path(d)));
  return static_cast<std::uint64_t>(st.st_size);
}

Result<BlobWriter> BlobStore::begin_write(const Digest& expected, std::uint64_t expected_size) const {
  std::string temp = tmp_dir(root_) + "/" + expected.hex() + ".XXXXXX";
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return make_error(errno_text("create temp blob in", tmp_dir(root_)));
  ::fchmod(fd, 0644);
  return BlobWriter(blobs_dir(root_), expected, expected_size, fd, std::move(temp));
}

Status BlobStore::put(const Digest& expected, std::string_view bytes) const {
  auto w = begin_write(expected, bytes.size());
  if (!w) return w.error();
  if (auto st = w->write(bytes); !st) return st;
  return w->commit();
}

Result<std::string> BlobStore::read_verified(const Digest& d, std::size_t max_bytes) const {
  auto bytes = read_file_bounded(path(d), max_bytes);
  if (!bytes) return bytes.error();
  if (Digest::of(*bytes) != d) {
    return make_error("blob " + d.to_string() + " on disk no longer matches its digest; remove "
                      "the image and pull it again");
  }
  return bytes;
}

Status BlobStore::verify(const Digest& d) const {
  const int fd = ::open(path(d).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return make_error(errno_text("open blob", path(d)));
  Sha256Hasher hasher;
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = errno_text("read blob", path(d));
      ::close(fd);
      return make_error(why);
    }
    if (n == 0) break;
    hasher.update(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (hasher.finish() != d) {
    return make_error("blob " + d.to_string() + " on disk no longer matches its digest");
  }
  return {};
}

Status BlobStore::remove(const Digest& d) const {
  if (::unlink(path(d).c_str()) != 0 && errno != ENOENT) {
    return make_error(errno_text("remove blob", path(d)));
  }
  return {};
}

Result<std::vector<Digest>> BlobStore::list() const {
  auto names = dir_names(blobs_dir(root_));
  if (!names) return names.error();
  std::vector<Digest> out;
  for (const auto& name : *names) {
    if (auto d = Digest::parse_hex(name)) out.push_back(*d);
  }
  return out;
}

}  // namespace shoal::image
