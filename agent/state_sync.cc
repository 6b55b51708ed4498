#include "agent/state_sync.h"

#include <msgpack.hpp>

#include "crdt/codec.h"

namespace shoal {

namespace {

Bytes envelope(SyncType type, const Bytes& body) { return encode_envelope(static_cast<std::uint32_t>(type), body); }

Status expect(const Envelope& env, SyncType type) {
  if (env.type != static_cast<std::uint32_t>(type))
    return make_error("unexpected sync message type " + std::to_string(env.type));
  return {};
}

}  // namespace

namespace {

void pack_bin(msgpack::packer<msgpack::sbuffer>& pk, const Bytes& b) {
  pk.pack_bin(static_cast<std::uint32_t>(b.size()));
  pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<std::uint32_t>(b.size()));
}

}  // namespace

Bytes encode_sync_digest(const SyncDigest& r) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(2);
  pk.pack(r.from.name);
  pack_bin(pk, crdt::encode_digest(r.digest));
  return envelope(SyncType::kSyncDigest, Bytes(buf.data(), buf.data() + buf.size()));
}

Bytes encode_sync_reply(const SyncReply& r) {
  Bytes delta = crdt::encode_state(r.delta), digest = crdt::encode_digest(r.digest);
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(2);
  pack_bin(pk, delta);
  pack_bin(pk, digest);
  return envelope(SyncType::kSyncReply, Bytes(buf.data(), buf.data() + buf.size()));
}

Bytes encode_sync_push(const crdt::DesiredState& delta) { return envelope(SyncType::kSyncPush, crdt::encode_state(delta)); }
Bytes encode_sync_ack() { return envelope(SyncType::kSyncAck, {}); }

Result<SyncDigest> decode_sync_digest(const Envelope& env) {
  if (auto s = expect(env, SyncType::kSyncDigest); !s) return s.error();
  try {
    auto oh = msgpack::unpack(reinterpret_cast<const char*>(env.body.data()), env.body.size(), nullptr,
                              nullptr, msgpack::unpack_limit(2, 0, kMaxNodeNameBytes, membership::kMaxStreamFrameBytes, 0, 2));
    const auto& o = oh.get();
    if (o.type != msgpack::type::ARRAY || o.via.array.size != 2 || o.via.array.ptr[0].type != msgpack::type::STR ||
        o.via.array.ptr[1].type != msgpack::type::BIN)
      return make_error("sync digest is not [name, digest]");
    auto from = parse_node_id(o.via.array.ptr[0].as<std::string>());
    if (!from) return from.error();
    const auto& g = o.via.array.ptr[1].via.bin;
    auto digest = crdt::decode_digest(reinterpret_cast<const std::uint8_t*>(g.ptr), g.size);
    if (!digest) return digest.error();
    return SyncDigest{std::move(*from), std::move(*digest)};
  } catch (const std::exception& e) {
    return make_error(std::string("malformed sync digest: ") + e.what());
  }
}

Result<SyncReply> decode_sync_reply(const Envelope& env) {
  if (auto s = expect(env, SyncType::kSyncReply); !s) return s.error();
  try {
    auto oh = msgpack::unpack(reinterpret_cast<const char*>(env.body.data()), env.body.size(), nullptr,
                              nullptr, msgpack::unpack_limit(2, 0, 0, membership::kMaxStreamFrameBytes, 0, 2));
    const auto& o = oh.get();
    if (o.type != msgpack::type::ARRAY || o.via.array.size != 2 || o.via.array.ptr[0].type != msgpack::type::BIN ||
        o.via.array.ptr[1].type != msgpack::type::BIN)
      return make_error("sync reply is not [delta, digest]");
    const auto& d = o.via.array.ptr[0].via.bin;
    const auto& g = o.via.array.ptr[1].via.bin;
    auto delta = crdt::decode_state(reinterpret_cast<const std::uint8_t*>(d.ptr), d.size);
    if (!delta) return delta.error();
    auto digest = crdt::decode_digest(reinterpret_cast<const std::uint8_t*>(g.ptr), g.size);
    if (!digest) return digest.error();
    return SyncReply{std::move(*delta), std::move(*digest)};
  } catch (const std::exception& e) {
    return make_error(std::string("malformed sync reply: ") + e.what());
  }
}

Result<crdt::DesiredState> decode_sync_push(const Envelope& env) {
  if (auto s = expect(env, SyncType::kSyncPush); !s) return s.error();
  return crdt::decode_state(env.body.data(), env.body.size());
}

Bytes encode_logs_request(const LogsRequest& r) {
  msgpack::sbuffer buf;
  if (r.since.empty() && r.until.empty()) msgpack::pack(buf, std::make_tuple(r.service, r.tail_lines));
  else msgpack::pack(buf, std::make_tuple(r.service, r.tail_lines, r.since, r.until));
  return envelope(SyncType::kLogsRequest, Bytes(buf.data(), buf.data() + buf.size()));
}

Result<LogsRequest> decode_logs_request(const Envelope& env) {
  if (auto s = expect(env, SyncType::kLogsRequest); !s) return s.error();
  try {
    auto oh = msgpack::unpack(reinterpret_cast<const char*>(env.body.data()), env.body.size(), nullptr, nullptr,
                              msgpack::unpack_limit(4, 0, 256, 0, 0, 2));
    if (oh.get().type == msgpack::type::ARRAY && oh.get().via.array.size == 4) {
      auto t = oh.get().as<std::tuple<std::string, std::uint64_t, std::string, std::string>>();
      return LogsRequest{std::get<0>(t), std::get<1>(t), std::get<2>(t), std::get<3>(t)};
    }
    auto t = oh.get().as<std::tuple<std::string, std::uint64_t>>();
    return LogsRequest{std::get<0>(t), std::get<1>(t), {}, {}};
  } catch (const std::exception& e) {
    return make_error(std::string("malformed logs request: ") + e.what());
  }
}

Bytes encode_logs_reply(const Result<std::string>& text) {
  msgpack::sbuffer buf;
  if (text) msgpack::pack(buf, *text);
  else msgpack::pack(buf, std::make_tuple(text.message()));
  return envelope(SyncType::kLogsReply, Bytes(buf.data(), buf.data() + buf.size()));
}

Result<std::string> decode_logs_reply(const Envelope& env) {
  if (auto s = expect(env, SyncType::kLogsReply); !s) return s.error();
  try {
    auto oh = msgpack::unpack(reinterpret_cast<const char*>(env.body.data()), env.body.size(), nullptr, nullptr,
                              msgpack::unpack_limit(1, 0, membership::kMaxStreamFrameBytes, 0, 0, 2));
    if (oh.get().type == msgpack::type::ARRAY) return make_error(std::get<0>(oh.get().as<std::tuple<std::string>>()));
    return oh.get().as<std::string>();
  } catch (const std::exception& e) {
    return make_error(std::string("malformed logs reply: ") + e.what());
  }
}

}  // namespace shoal
