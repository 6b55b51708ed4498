// The agent's local control endpoint (Asio shell). A unix socket is created mode 0600 (only
// root/the owner may talk to the agent); a TCP address must be loopback-bound by the operator and
// every request must carry the token from --api-token-file, else it is refused and logged.
//
// Bounded before authenticated: a request's bytes are read as they arrive (a length prefix alone
// allocates nothing), a TCP request's token is checked in its first bytes before the rest is
// read, and every connection has a deadline, a share of a total buffer budget and a slot under a
// connection limit. Nothing a client sends can make the agent hold more than
// max_connections * chunk + max_buffered_bytes of request data.
#pragma once

#include <boost/asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agent/api_protocol.h"
#include "common/result.h"

namespace shoal {

struct ApiServerLimits {
  // Largest request body. A request is the CLI's argv (a `service create` with env and args
  // is a few KiB); 1 MiB leaves room for long env lists while a bad client costs little.
  std::uint32_t max_request_bytes = 1u << 20;
  // TCP: bytes read before the token is checked. The body starts with the token (msgpack
  // [token, argv]), so this covers any token up to ~4 KiB; nothing more is read from a client
  // that has not shown the token.
  std::uint32_t pre_auth_bytes = 4096;
  // Bytes read (and buffered) per step: a client's buffer grows only with bytes it really sent.
  std::uint32_t read_chunk_bytes = 64u << 10;
  // Concurrent connections (both sockets). The CLI holds one per command and closes it; 64
  // serves dozens of scripts at once. Connections beyond it are closed at accept (counted).
  std::uint32_t max_connections = 64;
  // Request bytes buffered by all connections together; a connection whose next read would
  // exceed it is closed. 8 MiB: several maximal requests at once, a few MB of RSS at worst.
  std::uint64_t max_buffered_bytes = 8u << 20;
  // The whole request must arrive within this (the CLI sends it in one write); a client that
  // stops mid-frame is closed instead of being held forever.
  std::uint32_t read_timeout_ms = 5'000;
  // Writing the answer (up to the logs limit, 4 MiB) to a slow reader.
  std::uint32_t write_timeout_ms = 30'000;
  // accept() failing (EMFILE/ENFILE: out of descriptors): wait this long, doubling up to the
  // max, instead of retrying at once in a loop that spins at 100% CPU.
  std::uint32_t accept_backoff_ms = 50;
  std::uint32_t accept_backoff_max_ms = 2'000;
};

// Counters for `shoal agent info` and tests.
struct ApiServerStats {
  std::uint64_t refused_token = 0;       // wrong or missing token (TCP)
  std::uint64_t refused_oversized = 0;   // length prefix above max_request_bytes
  std::uint64_t refused_busy = 0;        // over max_connections or max_buffered_bytes
  std::uint64_t timed_out = 0;           // request not complete within read_timeout_ms
  std::uint64_t accept_errors = 0;       // accept() failures (EMFILE...), each followed by a backoff
};

class ApiServer {
 public:
  // Answers a request by calling `respond` exactly once, now or later (a verb may need to ask
  // other nodes first); the connection stays open until then.
  using Respond = std::function<void(ApiResponse)>;
  using Handler = std::function<void(const ApiRequest&, Respond)>;

  ApiServer(boost::asio::io_context& io, Handler handler, ApiServerLimits limits = {});
  ~ApiServer();

  // `address`: unix socket path or IP:PORT. `token` must be non-empty for TCP.
  Status listen(const std::string& address, const std::string& token);
  void close();

  // Requests refused for any reason (token, size, busy, timeout): `agent info`'s api_refused.
  std::uint64_t refused_requests() const;
  const ApiServerStats& stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// The token at the front of a request body (msgpack [token, argv]), once `prefix` holds all of
// it; nothing if more bytes are needed; an error if the prefix cannot be a request.
// Pure, for the pre-auth check and its tests.
struct TokenPrefix {
  bool complete = false;
  std::string token;
};
Result<TokenPrefix> parse_token_prefix(const std::uint8_t* data, std::size_t size);

}  // namespace shoal
