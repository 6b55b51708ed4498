#include "membership/node_meta.h"

#include <msgpack.hpp>

namespace shoal::membership {

namespace {
// [labels, cpu_millis, memory_bytes, addresses, version, overlay_subnet, first_start_ms]; the
// first 5 alone are what agents without the dataplane fields sent, and still decode.
constexpr std::size_t kMetaFields = 7;
constexpr std::size_t kMetaFieldsV1 = 5;
}

Result<Bytes> encode_meta(const NodeMeta& meta, std::size_t max_bytes) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(kMetaFields);
  pk.pack(meta.labels);
  pk.pack(meta.cpu_millis);
  pk.pack(meta.memory_bytes);
  pk.pack(meta.addresses);
  pk.pack(meta.version);
  pk.pack(meta.overlay_subnet);
  pk.pack(meta.first_start_ms);
  if (buf.size() > max_bytes)
    return make_error("node metadata encodes to " + std::to_string(buf.size()) +
                      " bytes, over the limit of " + std::to_string(max_bytes) +
                      "; use fewer or shorter labels/addresses");
  return Bytes(buf.data(), buf.data() + buf.size());
}

Result<NodeMeta> decode_meta(const std::uint8_t* data, std::size_t size, std::size_t max_bytes) {
  if (size > max_bytes)
    return make_error("node metadata is " + std::to_string(size) + " bytes, over " +
                      std::to_string(max_bytes));
  try {
    // The size bound above already limits every allocation to a few KiB.
    msgpack::object_handle oh = msgpack::unpack(reinterpret_cast<const char*>(data), size, nullptr,
                                                nullptr, msgpack::unpack_limit(256, 256, 512, 512, 0, 4));
    const msgpack::object& o = oh.get();
    if (o.type != msgpack::type::ARRAY ||
        (o.via.array.size != kMetaFields && o.via.array.size != kMetaFieldsV1))
      return make_error("node metadata is not a 5- or 7-element array");
    const msgpack::object* f = o.via.array.ptr;
    NodeMeta meta;
    f[0].convert(meta.labels);
    f[1].convert(meta.cpu_millis);
    f[2].convert(meta.memory_bytes);
    f[3].convert(meta.addresses);
    f[4].convert(meta.version);
    if (o.via.array.size == kMetaFields) {
      f[5].convert(meta.overlay_subnet);
      f[6].convert(meta.first_start_ms);
    }
    return meta;
  } catch (const std::exception& e) {
    return make_error(std::string("node metadata is malformed: ") + e.what());
  }
}

}  // namespace shoal::membership
