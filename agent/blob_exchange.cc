#include "agent/blob_exchange.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <msgpack.hpp>

#include "agent/state_sync.h"

namespace shoal {

namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

Bytes envelope(SyncType type, const msgpack::sbuffer& buf) {
  return encode_envelope(static_cast<std::uint32_t>(type), Bytes(buf.data(), buf.data() + buf.size()));
}

// Unpacks a body of at most `max_bin` binary bytes and a few small fields; bounded before parse.
Result<msgpack::object_handle> unpack_bounded(const Envelope& env, SyncType type, std::size_t max_bin) {
  if (env.type != static_cast<std::uint32_t>(type)) return make_error("unexpected blob message type " + std::to_string(env.type));
  if (env.body.size() > max_bin + 256) return make_error("blob message of " + std::to_string(env.body.size()) + " bytes");
  try {
    return msgpack::unpack(reinterpret_cast<const char*>(env.body.data()), env.body.size(), nullptr, nullptr,
                           msgpack::unpack_limit(4, 0, 128, max_bin, 0, 2));
  } catch (const std::exception& e) {
    return make_error(std::string("malformed blob message: ") + e.what());
  }
}

bool is_uint(const msgpack::object& o) { return o.type == msgpack::type::POSITIVE_INTEGER; }

}  // namespace

Bytes encode_blob_request(const BlobChunkRequest& r) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_array(3);
  pk.pack(r.digest.to_string());
  pk.pack(r.offset);
  pk.pack(r.max_bytes);
  return envelope(SyncType::kBlobRequest, buf);
}

Result<BlobChunkRequest> decode_blob_request(const Envelope& env) {
  auto oh = unpack_bounded(env, SyncType::kBlobRequest, 0);
  if (!oh) return oh.error();
  const auto& o = oh->get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 3 || o.via.array.ptr[0].type != msgpack::type::STR ||
      !is_uint(o.via.array.ptr[1]) || !is_uint(o.via.array.ptr[2]))
    return make_error("blob request is not [digest, offset, max_bytes]");
  const auto& d = o.via.array.ptr[0].via.str;
  auto digest = image::Digest::parse(std::string_view(d.ptr, d.size));
  if (!digest) return digest.error();
  BlobChunkRequest r;
  r.digest = *digest;
  r.offset = o.via.array.ptr[1].via.u64;
  r.max_bytes = static_cast<std::uint32_t>(std::min<std::uint64_t>(o.via.array.ptr[2].via.u64, kMaxBlobChunkBytes));
  return r;
}

Bytes encode_blob_reply(const BlobChunkReply& r) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_array(3);
  pk.pack(r.held);
  pk.pack(r.total_size);
  pk.pack_bin(static_cast<std::uint32_t>(r.bytes.size()));
  pk.pack_bin_body(r.bytes.data(), static_cast<std::uint32_t>(r.bytes.size()));
  return envelope(SyncType::kBlobReply, buf);
}

Result<BlobChunkReply> decode_blob_reply(const Envelope& env) {
  auto oh = unpack_bounded(env, SyncType::kBlobReply, kMaxBlobChunkBytes);
  if (!oh) return oh.error();
  const auto& o = oh->get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 3 || o.via.array.ptr[0].type != msgpack::type::BOOLEAN ||
      !is_uint(o.via.array.ptr[1]) || o.via.array.ptr[2].type != msgpack::type::BIN)
    return make_error("blob reply is not [held, size, bytes]");
  BlobChunkReply r;
  r.held = o.via.array.ptr[0].via.boolean;
  r.total_size = o.via.array.ptr[1].via.u64;
  r.bytes.assign(o.via.array.ptr[2].via.bin.ptr, o.via.array.ptr[2].via.bin.size);
  return r;
}

BlobChunkReply serve_blob_chunk(const image::BlobStore& store, const BlobChunkRequest& request) {
  BlobChunkReply reply;
  if (!store.has(request.digest)) return reply;
  const int fd = ::open(store.path(request.digest).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return reply;  // removed meanwhile (image rm): not held
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size >= 0 && static_cast<std::uint64_t>(size) <= kMaxPeerBlobBytes) {
    reply.held = true;
    reply.total_size = static_cast<std::uint64_t>(size);
    if (request.offset < reply.total_size) {
      const auto want = std::min<std::uint64_t>(request.max_bytes, reply.total_size - request.offset);
      reply.bytes.resize(want);
      const ssize_t n = ::pread(fd, reply.bytes.data(), want, static_cast<off_t>(request.offset));
      reply.bytes.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    }
  }
  ::close(fd);
  return reply;
}

namespace {

// The whole blob from one peer that holds it. ok(false): this peer does not hold it or went
// silent (try the next); error: it sent bytes that failed verification.
Result<bool> fetch_from_peer(const image::BlobStore& store, const AskPeer& ask, const std::string& addr,
                             const image::Digest& digest, std::uint64_t expected_size, std::uint64_t max_size) {
  auto first = ask(addr, BlobChunkRequest{digest, 0, kMaxBlobChunkBytes});
  if (!first || !first->held) return false;
  if (expected_size != 0 && first->total_size != expected_size) return false;  // not the blob we want
  if (first->total_size > max_size) return false;
  auto writer = store.begin_write(digest, first->total_size);
  if (!writer) return writer.error();
  BlobChunkReply chunk = std::move(*first);
  for (;;) {
    if (chunk.bytes.empty() && writer->bytes_written() < chunk.total_size) return false;  // truncated
    if (auto w = writer->write(chunk.bytes); !w) return make_error("blob " + digest.to_string() + " from " + addr + ": " + w.message());
    if (writer->bytes_written() >= chunk.total_size) break;
    auto next = ask(addr, BlobChunkRequest{digest, writer->bytes_written(), kMaxBlobChunkBytes});
    if (!next || !next->held || next->total_size != chunk.total_size) return false;
    chunk = std::move(*next);
  }
  if (auto c = writer->commit(); !c) return make_error("blob " + digest.to_string() + " from " + addr + ": " + c.message());
  return true;
}

}  // namespace

Result<bool> fetch_from_peers(const image::BlobStore& store, const PeerBlobSource& peers, const image::Digest& digest,
                              std::uint64_t expected_size, std::uint64_t max_size) {
  if (!peers.ask) return false;
  Status last_bad;
  for (const auto& addr : peers.addrs) {
    if (store.has(digest)) return true;
    auto got = fetch_from_peer(store, peers.ask, addr, digest, expected_size, std::min(max_size, kMaxPeerBlobBytes));
    if (got && *got) return true;
    if (!got) last_bad = got.error();  // a bad peer: try the others, report it if none helps
  }
  if (!last_bad) return last_bad.error();
  return false;
}

}  // namespace shoal
