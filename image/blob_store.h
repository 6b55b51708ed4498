// Content-addressed blob store under a data dir: <root>/blobs/sha256/<hex>. A blob becomes
// visible at its path only after its bytes were hashed and counted against the expected
// digest AND size, fsynced, and renamed into place; a partial, oversized or mismatched write
// leaves nothing behind (the temp file in <root>/tmp is removed, and tmp/ is emptied on open
// in case a crash interrupted one). Reads can re-verify.
//
// One BlobStore per data dir; methods are safe to call from several threads for different
// digests (each write has its own temp file; rename is atomic). Deduplicating concurrent
// fetches of one digest is FetchTable's job (fetch_table.h), above this.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "image/digest.h"

namespace shoal::image {

class BlobStore;

// One blob being written. Feed it with write(), then commit(); dropping it uncommitted
// deletes the temp file.
class BlobWriter {
 public:
  BlobWriter(BlobWriter&&) noexcept;
  BlobWriter& operator=(BlobWriter&&) = delete;
  ~BlobWriter();

  // Appends; fails (and poisons the writer) once more bytes than the expected size arrive,
  // so a hostile sender cannot fill the disk past the descriptor's size.
  Status write(std::string_view chunk);
  // Verifies size and digest, fsyncs, renames into place. A blob already present (another
  // writer won) counts as success.
  Status commit();
  // Bytes accepted so far: after a broken download, the offset to resume from (an HTTP
  // `Range: bytes=N-` request); the hash state carries over, so the resumed bytes are checked
  // as one blob with the first part.
  std::uint64_t bytes_written() const { return hasher_.bytes(); }

 private:
  friend class BlobStore;
  BlobWriter(std::string blobs_dir, Digest expected, std::uint64_t expected_size, int fd,
             std::string temp_path);
  void discard();

  std::string blobs_dir_;  // by value: the store may be moved while a writer is open
  Digest expected_;
  std::uint64_t expected_size_;
  int fd_;
  std::string temp_path_;
  Sha256Hasher hasher_;
  bool failed_ = false;
};

class BlobStore {
 public:
  // Creates <root>/blobs/sha256 and <root>/tmp as needed and empties tmp/.
  static Result<BlobStore> open(const std::string& root);

  const std::string& root() const { return root_; }
  std::string path(const Digest& d) const;
  bool has(const Digest& d) const;
  Result<std::uint64_t> size(const Digest& d) const;

  Result<BlobWriter> begin_write(const Digest& expected, std::uint64_t expected_size) const;
  // A whole blob from memory (manifests, configs).
  Status put(const Digest& expected, std::string_view bytes) const;
  // Reads a blob of at most max_bytes and checks it still hashes to its name (bit rot,
  // tampering on disk).
  Result<std::string> read_verified(const Digest& d, std::size_t max_bytes) const;
  // Re-hashes the blob on disk by streaming it.
  Status verify(const Digest& d) const;
  Status remove(const Digest& d) const;
  // Every blob present, sorted (files whose names are not digests are ignored).
  Result<std::vector<Digest>> list() const;

 private:
  explicit BlobStore(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

}  // namespace shoal::image
