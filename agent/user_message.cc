#include "agent/user_message.h"

#include <msgpack.hpp>

namespace shoal {

Bytes encode_user_message(UserMessageKind kind, const Bytes& body) {
  Bytes out;
  out.reserve(body.size() + 1);
  out.push_back(static_cast<std::uint8_t>(kind));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Result<std::pair<UserMessageKind, Bytes>> decode_user_message(const Bytes& data) {
  if (data.empty()) return make_error("empty user message");
  auto kind = static_cast<UserMessageKind>(data[0]);
  if (kind != UserMessageKind::kKeyOp && kind != UserMessageKind::kStateDelta)
    return make_error("unknown user message kind " + std::to_string(data[0]));
  return std::make_pair(kind, Bytes(data.begin() + 1, data.end()));
}

Bytes encode_key_op(const KeyOpMessage& m) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, std::make_tuple(static_cast<std::uint8_t>(m.op), m.key_b64, m.id));
  return Bytes(buf.data(), buf.data() + buf.size());
}

Result<KeyOpMessage> decode_key_op(const Bytes& body) {
  try {
    auto oh = msgpack::unpack(reinterpret_cast<const char*>(body.data()), body.size(), nullptr,
                              nullptr, msgpack::unpack_limit(8, 0, 256, 0, 0, 2));
    auto t = oh.get().as<std::tuple<std::uint8_t, std::string, std::uint64_t>>();
    auto op = static_cast<KeyOp>(std::get<0>(t));
    if (op != KeyOp::kInstall && op != KeyOp::kUse && op != KeyOp::kRemove)
      return make_error("unknown key operation");
    return KeyOpMessage{op, std::get<1>(t), std::get<2>(t)};
  } catch (const std::exception& e) {
    return make_error(std::string("malformed key operation: ") + e.what());
  }
}

}  // namespace shoal
