#include "agent/api_protocol.h"

#include <msgpack.hpp>

namespace shoal {

namespace {

template <typename T>
Bytes pack(const T& value) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, value);
  return Bytes(buf.data(), buf.data() + buf.size());
}

template <typename T>
Result<T> unpack(const Bytes& body, const char* what) {
  try {
    auto oh = msgpack::unpack(reinterpret_cast<const char*>(body.data()), body.size(), nullptr,
                              nullptr, msgpack::unpack_limit(4096, 64, kMaxApiFrameBytes, 0, 0, 4));
    return oh.get().as<T>();
  } catch (const std::exception& e) {
    return make_error(std::string("malformed API ") + what + ": " + e.what());
  }
}

}  // namespace

Bytes encode_request(const ApiRequest& req) { return pack(std::make_tuple(req.token, req.argv)); }

Result<ApiRequest> decode_request(const Bytes& body) {
  auto t = unpack<std::tuple<std::string, std::vector<std::string>>>(body, "request");
  if (!t) return t.error();
  return ApiRequest{std::get<0>(*t), std::get<1>(*t)};
}

Bytes encode_response(const ApiResponse& r) { return pack(std::make_tuple(r.exit_code, r.out, r.err)); }

Result<ApiResponse> decode_response(const Bytes& body) {
  auto t = unpack<std::tuple<int, std::string, std::string>>(body, "response");
  if (!t) return t.error();
  return ApiResponse{std::get<0>(*t), std::get<1>(*t), std::get<2>(*t)};
}

Bytes frame(const Bytes& body) {
  Bytes out(4 + body.size());
  std::uint32_t n = static_cast<std::uint32_t>(body.size());
  out[0] = static_cast<std::uint8_t>(n >> 24);
  out[1] = static_cast<std::uint8_t>(n >> 16);
  out[2] = static_cast<std::uint8_t>(n >> 8);
  out[3] = static_cast<std::uint8_t>(n);
  std::copy(body.begin(), body.end(), out.begin() + 4);
  return out;
}

std::uint32_t frame_length(const std::uint8_t h[4]) {
  return (std::uint32_t{h[0]} << 24) | (std::uint32_t{h[1]} << 16) | (std::uint32_t{h[2]} << 8) | h[3];
}

}  // namespace shoal
