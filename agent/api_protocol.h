// The local control API between the `shoal` CLI and its agent: one request, one response, on a
// unix socket (mode 0600) or 127.0.0.1:PORT (token required). The CLI forwards its argv; the
// agent parses flags and renders the answer (table or --format json), so flag errors and output
// formats live in one place and every CLI command is a thin client.
//
// Frame: 4-byte big-endian length, then msgpack. Frames above kMaxApiFrameBytes are refused.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/envelope.h"
#include "common/result.h"

namespace shoal {

inline constexpr std::uint32_t kMaxApiFrameBytes = 16u << 20;

struct ApiRequest {
  std::string token;              // empty on a unix socket (file mode is the access control)
  std::vector<std::string> argv;  // e.g. {"members", "--format", "json"}
};

struct ApiResponse {
  int exit_code = 0;
  std::string out;  // printed on stdout
  std::string err;  // printed on stderr, one clear line per problem
};

Bytes encode_request(const ApiRequest& req);
Result<ApiRequest> decode_request(const Bytes& body);
Bytes encode_response(const ApiResponse& resp);
Result<ApiResponse> decode_response(const Bytes& body);

// Prefix a body with its 4-byte length.
Bytes frame(const Bytes& body);
std::uint32_t frame_length(const std::uint8_t header[4]);

}  // namespace shoal
