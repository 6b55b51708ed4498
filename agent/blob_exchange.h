// Peers serve image blobs to each other (issue 12, "offline and peer-to-peer"): a node that
// needs a blob asks live peers for it in chunks over the sealed membership TCP streams, writes
// it through the blob store (which verifies size and digest before the blob may be used), and
// goes to the registry only when no peer has it. A site cut off from its registry can then
// start any image some node on its side holds.
//   kBlobRequest {digest, offset, max_bytes}  ->  kBlobReply {held, total_size, bytes}
// Messages are pure encode/decode here; the agent wires them to the transport (task_images.cc)
// and the pull workers use fetch_from_peers below.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/envelope.h"
#include "common/result.h"
#include "image/blob_store.h"
#include "image/digest.h"

namespace shoal {

// A chunk per request: small enough that a reply is far below the stream frame limit (32 MiB)
// and a slow peer holds a worker for one round trip only; large enough that a 100 MB layer
// is 25 round trips.
inline constexpr std::uint32_t kMaxBlobChunkBytes = 4u << 20;
// Blobs served or fetched this way are at most this large (a layer of 8 GiB is a mistake).
inline constexpr std::uint64_t kMaxPeerBlobBytes = 8ull << 30;

struct BlobChunkRequest {
  image::Digest digest;
  std::uint64_t offset = 0;
  std::uint32_t max_bytes = kMaxBlobChunkBytes;
};

struct BlobChunkReply {
  bool held = false;            // false: this peer does not hold the blob
  std::uint64_t total_size = 0;
  std::string bytes;            // from the request's offset; empty past the end
};

Bytes encode_blob_request(const BlobChunkRequest& r);
Result<BlobChunkRequest> decode_blob_request(const Envelope& env);
Bytes encode_blob_reply(const BlobChunkReply& r);
Result<BlobChunkReply> decode_blob_reply(const Envelope& env);

// The serving side: the chunk of a held blob (read from the store's file), or held=false.
BlobChunkReply serve_blob_chunk(const image::BlobStore& store, const BlobChunkRequest& request);

// Asks one peer (blocking; called on a pull worker); nullopt = no answer (down, timeout).
using AskPeer = std::function<std::optional<BlobChunkReply>(const std::string& addr, const BlobChunkRequest&)>;

struct PeerBlobSource {
  std::vector<std::string> addrs;  // live peers when the pull began
  AskPeer ask;                     // empty: no peers (e.g. tests of the registry path)
};

// Fetches `digest` from the first peer that holds it into the store (verified on commit).
// `expected_size`: 0 when unknown (a manifest named only by digest), then the peer's size,
// bounded by `max_size`. Ok(true) = stored; ok(false) = no peer has it; error = a peer sent
// bytes that failed verification (the blob is not stored; the caller may try the registry).
Result<bool> fetch_from_peers(const image::BlobStore& store, const PeerBlobSource& peers, const image::Digest& digest,
                              std::uint64_t expected_size, std::uint64_t max_size);

}  // namespace shoal
