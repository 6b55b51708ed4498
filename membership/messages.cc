#include "membership/messages.h"

#include <msgpack.hpp>

#include "common/node_id.h"

namespace shoal::membership {

namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

// Longest "ip:port" (or DNS name:port) accepted in a message.
constexpr std::size_t kMaxAddrBytes = 300;
// Most parts in one compound: a 1400-byte datagram cannot hold more real messages.
constexpr std::size_t kMaxCompoundParts = 512;

void pack_bytes(Packer& pk, const Bytes& b) {
  pk.pack_bin(static_cast<std::uint32_t>(b.size()));
  pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<std::uint32_t>(b.size()));
}

struct BodyEncoder {
  Packer& pk;
  void operator()(const Ping& m) {
    pk.pack_array(3);
    pk.pack(m.seq);
    pk.pack(m.target);
    pk.pack(m.source);
  }
  void operator()(const Ack& m) {
    pk.pack_array(2);
    pk.pack(m.seq);
    pk.pack(m.wall_ms);
  }
  void operator()(const PingReq& m) {
    pk.pack_array(4);
    pk.pack(m.seq);
    pk.pack(m.target);
    pk.pack(m.target_addr);
    pk.pack(m.want_nack);
  }
  void operator()(const Nack& m) {
    pk.pack_array(1);
    pk.pack(m.seq);
  }
  void operator()(const Suspect& m) {
    pk.pack_array(3);
    pk.pack(m.node);
    pk.pack(m.incarnation);
    pk.pack(m.from);
  }
  void operator()(const Alive& m) {
    pk.pack_array(4);
    pk.pack(m.node);
    pk.pack(m.addr);
    pk.pack(m.incarnation);
    pack_bytes(pk, m.meta);
  }
  void operator()(const Dead& m) {
    pk.pack_array(3);
    pk.pack(m.node);
    pk.pack(m.incarnation);
    pk.pack(m.from);
  }
  void operator()(const Leave& m) {
    pk.pack_array(2);
    pk.pack(m.node);
    pk.pack(m.incarnation);
  }
  void operator()(const PushPull& m) {
    pk.pack_array(5);
    pk.pack(m.from);
    pk.pack(m.join);
    pk.pack(m.reply);
    pk.pack_array(static_cast<std::uint32_t>(m.members.size()));
    for (const PushPullEntry& e : m.members) {
      pk.pack_array(5);
      pk.pack(e.node);
      pk.pack(e.addr);
      pk.pack(e.status);
      pk.pack(e.incarnation);
      pack_bytes(pk, e.meta);
    }
    pack_bytes(pk, m.user_state);
  }
  void operator()(const UserMsg& m) {
    pk.pack_array(3);
    pk.pack(m.origin);
    pk.pack(m.id);
    pack_bytes(pk, m.payload);
  }
};

// Field readers: false on a type mismatch or an out-of-bounds value.
bool read_u64(const msgpack::object& o, std::uint64_t* out) {
  if (o.type != msgpack::type::POSITIVE_INTEGER) return false;
  *out = o.via.u64;
  return true;
}
bool read_u32(const msgpack::object& o, std::uint32_t* out) {
  std::uint64_t v = 0;
  if (!read_u64(o, &v) || v > UINT32_MAX) return false;
  *out = static_cast<std::uint32_t>(v);
  return true;
}
bool read_bool(const msgpack::object& o, bool* out) {
  if (o.type != msgpack::type::BOOLEAN) return false;
  *out = o.via.boolean;
  return true;
}
bool read_str(const msgpack::object& o, std::string* out, std::size_t max_bytes) {
  if (o.type != msgpack::type::STR || o.via.str.size > max_bytes) return false;
  out->assign(o.via.str.ptr, o.via.str.size);
  return true;
}
bool read_name(const msgpack::object& o, std::string* out) {
  return read_str(o, out, kMaxNodeNameBytes) && parse_node_id(*out).ok();
}
bool read_addr(const msgpack::object& o, std::string* out) {
  return read_str(o, out, kMaxAddrBytes) && !out->empty();
}
bool read_bin(const msgpack::object& o, Bytes* out) {
  if (o.type != msgpack::type::BIN) return false;
  out->assign(o.via.bin.ptr, o.via.bin.ptr + o.via.bin.size);
  return true;
}

const msgpack::object* fields(const msgpack::object& o, std::uint32_t n) {
  if (o.type != msgpack::type::ARRAY || o.via.array.size != n) return nullptr;
  return o.via.array.ptr;
}

bool read_entry(const msgpack::object& o, PushPullEntry* e) {
  const msgpack::object* f = fields(o, 5);
  std::uint64_t status = 0;
  if (!f || !read_name(f[0], &e->node) || !read_addr(f[1], &e->addr) || !read_u64(f[2], &status) ||
      status > 3 || !read_u64(f[3], &e->incarnation) || !read_bin(f[4], &e->meta))
    return false;
  e->status = static_cast<std::uint8_t>(status);
  return true;
}

// Decodes a body of a known type; false if the shape is wrong.
bool decode_body(MessageType type, const msgpack::object& o, Message* out) {
  switch (type) {
    case MessageType::kPing: {
      Ping m;
      const msgpack::object* f = fields(o, 3);
      if (!f || !read_u32(f[0], &m.seq) || !read_name(f[1], &m.target) || !read_name(f[2], &m.source))
        return false;
      *out = std::move(m);
      return true;
    }
    case MessageType::kAck: {
      Ack m;
      const msgpack::object* f = fields(o, 2);
      if (!f || !read_u32(f[0], &m.seq) || !read_u64(f[1], &m.wall_ms)) return false;
      *out = m;
      return true;
    }
    case MessageType::kPingReq: {
      PingReq m;
      const msgpack::object* f = fields(o, 4);
      if (!f || !read_u32(f[0], &m.seq) || !read_name(f[1], &m.target) ||
          !read_addr(f[2], &m.target_addr) || !read_bool(f[3], &m.want_nack))
        return false;
      *out = std::move(m);
      return true;
    }
    case MessageType::kNack: {
      Nack m;
      const msgpack::object* f = fields(o, 1);
      if (!f || !read_u32(f[0], &m.seq)) return false;
      *out = m;
      return true;
    }
    case MessageType::kSuspect: {
      Suspect m;
      const msgpack::object* f = fields(o, 3);
      if (!f || !read_name(f[0], &m.node) || !read_u64(f[1], &m.incarnation) || !read_name(f[2], &m.from))
        return false;
      *out = std::move(m);
      return true;
    }
    case MessageType::kAlive: {
      Alive m;
      const msgpack::object* f = fields(o, 4);
      if (!f || !read_name(f[0], &m.node) || !read_addr(f[1], &m.addr) ||
          !read_u64(f[2], &m.incarnation) || !read_bin(f[3], &m.meta))
        return false;
      *out = std::move(m);
      return true;
    }
    case MessageType::kDead: {
      Dead m;
      const msgpack::object* f = fields(o, 3);
      if (!f || !read_name(f[0], &m.node) || !read_u64(f[1], &m.incarnation) || !read_name(f[2], &m.from))
        return false;
      *out = std::move(m);
      return true;
    }
    case MessageType::kLeave: {
      Leave m;
      const msgpack::object* f = fields(o, 2);
      if (!f || !read_name(f[0], &m.node) || !read_u64(f[1], &m.incarnation)) return false;
      *out = std::move(m);
      return true;
    }
    case MessageType::kPushPull: {
      PushPull m;
      const msgpack::object* f = fields(o, 5);
      if (!f || !read_name(f[0], &m.from) || !read_bool(f[1], &m.join) || !read_bool(f[2], &m.reply) ||
          f[3].type != msgpack::type::ARRAY || !read_bin(f[4], &m.user_state))
        return false;
      m.members.resize(f[3].via.array.size);  // bounded by DecodeLimits::max_array
      for (std::uint32_t i = 0; i < f[3].via.array.size; ++i)
        if (!read_entry(f[3].via.array.ptr[i], &m.members[i])) return false;
      *out = std::move(m);
      return true;
    }
    case MessageType::kUser: {
      UserMsg m;
      const msgpack::object* f = fields(o, 3);
      if (!f || !read_name(f[0], &m.origin) || !read_u64(f[1], &m.id) || !read_bin(f[2], &m.payload))
        return false;
      *out = std::move(m);
      return true;
    }
    case MessageType::kCompound:
      return false;
  }
  return false;
}

bool known_single_type(std::uint32_t type) {
  return type >= static_cast<std::uint32_t>(MessageType::kPing) &&
         type <= static_cast<std::uint32_t>(MessageType::kUser) &&
         type != static_cast<std::uint32_t>(MessageType::kCompound);
}

msgpack::unpack_limit limits() {
  DecodeLimits lim;
  return msgpack::unpack_limit(lim.max_array, lim.max_map, lim.max_str, lim.max_bin, 0, lim.max_depth);
}

// An envelope parsed in place: the body points into the input. Same checks as common's
// decode_envelope, without copying the body or allocating a zone per part (a compound of 20
// parts would otherwise cost 40 allocations of 8 KiB).
struct RawEnvelope {
  std::uint32_t type = 0;
  const char* body = nullptr;
  std::size_t body_size = 0;
};

Result<RawEnvelope> parse_envelope(msgpack::zone& zone, const char* data, std::size_t size, DropReason* why) {
  const msgpack::object o = msgpack::unpack(zone, data, size, nullptr, nullptr, limits());
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 3) {
    *why = DropReason::kMalformed;
    return make_error("membership: envelope is not a 3-element array");
  }
  const msgpack::object* f = o.via.array.ptr;
  if (f[0].type != msgpack::type::POSITIVE_INTEGER || f[1].type != msgpack::type::POSITIVE_INTEGER ||
      f[2].type != msgpack::type::BIN) {
    *why = DropReason::kMalformed;
    return make_error("membership: envelope fields have the wrong types");
  }
  if (f[0].via.u64 != kWireVersion) {
    *why = DropReason::kUnknownVersion;
    return make_error("membership: envelope version " + std::to_string(f[0].via.u64) + " is not " +
                      std::to_string(kWireVersion));
  }
  if (f[1].via.u64 > UINT32_MAX) {
    *why = DropReason::kUnknownType;
    return make_error("membership: message type out of range");
  }
  return RawEnvelope{static_cast<std::uint32_t>(f[1].via.u64), f[2].via.bin.ptr, f[2].via.bin.size};
}

// One single-message envelope's body (msgpack may throw; the caller catches).
Result<Message> decode_single(msgpack::zone& zone, const RawEnvelope& env, DropReason* why) {
  if (!known_single_type(env.type)) {
    *why = env.type == static_cast<std::uint32_t>(MessageType::kCompound) ? DropReason::kMalformed
                                                                          : DropReason::kUnknownType;
    return make_error("membership: message type " + std::to_string(env.type) + " not accepted here");
  }
  const msgpack::object o = msgpack::unpack(zone, env.body, env.body_size, nullptr, nullptr, limits());
  Message m;
  if (!decode_body(static_cast<MessageType>(env.type), o, &m)) {
    *why = DropReason::kMalformed;
    return make_error("membership: message type " + std::to_string(env.type) + " has a bad body");
  }
  return m;
}

}  // namespace

MessageType message_type(const Message& message) {
  static constexpr MessageType kTypes[] = {
      MessageType::kPing,    MessageType::kAck,  MessageType::kPingReq, MessageType::kNack,
      MessageType::kSuspect, MessageType::kAlive, MessageType::kDead,   MessageType::kLeave,
      MessageType::kPushPull, MessageType::kUser};
  return kTypes[message.index()];
}

Bytes encode_message(const Message& message) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  std::visit(BodyEncoder{pk}, message);
  Bytes body(buf.data(), buf.data() + buf.size());
  return encode_envelope(static_cast<std::uint32_t>(message_type(message)), body);
}

Bytes encode_compound(const std::vector<Bytes>& encoded_messages) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_array(static_cast<std::uint32_t>(encoded_messages.size()));
  for (const Bytes& part : encoded_messages) pack_bytes(pk, part);
  Bytes body(buf.data(), buf.data() + buf.size());
  return encode_envelope(static_cast<std::uint32_t>(MessageType::kCompound), body);
}

Result<std::vector<Message>> decode_packet(const std::uint8_t* data, std::size_t size, DropReason* why) {
  try {
    msgpack::zone zone(4096);  // one arena for the whole packet
    auto env = parse_envelope(zone, reinterpret_cast<const char*>(data), size, why);
    if (!env) return env.error();
    std::vector<Message> out;
    if (env->type != static_cast<std::uint32_t>(MessageType::kCompound)) {
      auto m = decode_single(zone, *env, why);
      if (!m) return m.error();
      out.push_back(std::move(*m));
      return out;
    }
    const msgpack::object o = msgpack::unpack(zone, env->body, env->body_size, nullptr, nullptr, limits());
    if (o.type != msgpack::type::ARRAY || o.via.array.size > kMaxCompoundParts) {
      *why = DropReason::kMalformed;
      return make_error("membership: compound body is not an array of at most 512 parts");
    }
    out.reserve(o.via.array.size);
    for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
      const msgpack::object& part = o.via.array.ptr[i];
      if (part.type != msgpack::type::BIN) {
        *why = DropReason::kMalformed;
        return make_error("membership: compound part is not bytes");
      }
      auto inner = parse_envelope(zone, part.via.bin.ptr, part.via.bin.size, why);
      if (!inner) return inner.error();
      auto m = decode_single(zone, *inner, why);
      if (!m) return m.error();
      out.push_back(std::move(*m));
    }
    return out;
  } catch (const std::exception& e) {
    *why = DropReason::kMalformed;
    return make_error(std::string("membership: not valid msgpack: ") + e.what());
  }
}

}  // namespace shoal::membership
