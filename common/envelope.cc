#include "common/envelope.h"

#include <msgpack.hpp>

namespace shoal {

const char* drop_reason_name(DropReason reason) {
  switch (reason) {
    case DropReason::kTruncated: return "truncated";
    case DropReason::kOversized: return "oversized";
    case DropReason::kUnknownKey: return "unknown_key";
    case DropReason::kBadMac: return "bad_mac";
    case DropReason::kReplayed: return "replayed";
    case DropReason::kWrongDestination: return "wrong_destination";
    case DropReason::kWrongChannel: return "wrong_channel";
    case DropReason::kMalformed: return "malformed";
    case DropReason::kUnknownVersion: return "unknown_version";
    case DropReason::kUnknownType: return "unknown_type";
    case DropReason::kCount: break;
  }
  return "unknown";
}

Bytes encode_envelope(std::uint32_t type, const Bytes& body) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(3);
  pk.pack(kWireVersion);
  pk.pack(type);
  pk.pack_bin(static_cast<std::uint32_t>(body.size()));
  pk.pack_bin_body(reinterpret_cast<const char*>(body.data()), static_cast<std::uint32_t>(body.size()));
  return Bytes(buf.data(), buf.data() + buf.size());
}

Result<Envelope> decode_envelope(const std::uint8_t* data, std::size_t size, DropReason* why) {
  DecodeLimits lim;
  try {
    msgpack::object_handle oh = msgpack::unpack(
        reinterpret_cast<const char*>(data), size, nullptr, nullptr,
        msgpack::unpack_limit(lim.max_array, lim.max_map, lim.max_str, lim.max_bin, 0, lim.max_depth));
    const msgpack::object& o = oh.get();
    if (o.type != msgpack::type::ARRAY || o.via.array.size != 3) {
      *why = DropReason::kMalformed;
      return make_error("envelope is not a 3-element array");
    }
    const msgpack::object* f = o.via.array.ptr;
    if (f[0].type != msgpack::type::POSITIVE_INTEGER || f[1].type != msgpack::type::POSITIVE_INTEGER ||
        f[2].type != msgpack::type::BIN) {
      *why = DropReason::kMalformed;
      return make_error("envelope fields have the wrong types");
    }
    Envelope env;
    env.version = static_cast<std::uint32_t>(f[0].via.u64);
    if (f[0].via.u64 != kWireVersion) {
      *why = DropReason::kUnknownVersion;
      return make_error("envelope version " + std::to_string(f[0].via.u64) + " is not " +
                        std::to_string(kWireVersion));
    }
    env.type = static_cast<std::uint32_t>(f[1].via.u64);
    env.body.assign(f[2].via.bin.ptr, f[2].via.bin.ptr + f[2].via.bin.size);
    return env;
  } catch (const std::exception& e) {
    *why = DropReason::kMalformed;
    return make_error(std::string("envelope is not valid msgpack: ") + e.what());
  }
}

}  // namespace shoal
