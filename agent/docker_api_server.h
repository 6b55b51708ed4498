// The Docker Engine API endpoint (`shoal agent --docker-api`): an HTTP/1.1 server (Boost.Beast
// parses; nothing here is a hand-written parser) on a unix socket or a loopback TCP port. A
// shell: it bounds, authenticates and frames requests, and hands each to the routes
// (agent/docker_api_routes.h), which decide everything.
//
// Bounds, like the shoal API's (agent/api_server.h): a connection limit, a header size limit
// checked before any body byte is read, a body size limit, and a deadline per request. On TCP
// every request must carry `Authorization: Bearer TOKEN` (the --api-token-file token; docker's
// config.json `HttpHeaders` sends it); the token is checked once the header is read, before the
// body is, so a client without it costs at most max_header_bytes. A unix socket is created
// mode 0600: the file mode is the access control, as for dockerd's own socket.
#pragma once

#include <boost/asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agent/docker_request.h"
#include "common/result.h"

namespace shoal {

struct DockerApiLimits {
  // Request line + headers. Docker clients send X-Registry-Auth (base64 credentials, ~1 KiB);
  // 16 KiB is Go's net/http default order of magnitude and far above any real request.
  std::uint32_t max_header_bytes = 16u << 10;
  // A ServiceSpec is a few KiB; 1 MiB leaves room for long env lists while a bad client costs
  // little. Larger bodies are answered 413.
  std::uint32_t max_body_bytes = 1u << 20;
  // Concurrent connections. Docker clients keep a small pool (the CLI: 1-2; SDKs: up to 10);
  // 32 serves several tools at once. Beyond it a connection is closed at accept (counted), so
  // memory stays under max_connections * (header + body).
  std::uint32_t max_connections = 32;
  // One request (header and body) must arrive within this, and an idle kept-alive connection is
  // closed after it: clients reconnect, a silent one does not hold a slot.
  std::uint32_t read_timeout_ms = 30'000;
  std::uint32_t write_timeout_ms = 30'000;
};

struct DockerApiStats {
  std::uint64_t requests = 0;
  std::uint64_t refused_token = 0;      // TCP: missing or wrong bearer token (401)
  std::uint64_t refused_oversized = 0;  // header or body over its limit (431 / 413)
  std::uint64_t refused_busy = 0;       // over max_connections: closed at accept
  std::uint64_t bad_requests = 0;       // not HTTP, or a malformed target (400)
  std::uint64_t timed_out = 0;
};

class DockerApiServer {
 public:
  // Answers a request by calling `respond` exactly once, now or later (a write naming an image
  // waits for the registry); the connection reads nothing more until then.
  using Respond = std::function<void(DockerResponse)>;
  using Handler = std::function<void(const DockerRequest&, Respond)>;

  DockerApiServer(boost::asio::io_context& io, Handler handler, DockerApiLimits limits = {});
  ~DockerApiServer();

  // `address`: unix:///PATH or tcp://IP:PORT; `token` must be non-empty for TCP.
  Status listen(const std::string& address, const std::string& token);
  void close();
  const DockerApiStats& stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace shoal
