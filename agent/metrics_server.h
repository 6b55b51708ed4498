// The agent's metrics endpoint (Asio + Boost.Beast shell): `GET /metrics` answers the document
// `render` returns (agent/metrics_collect.h), and the pages added with add_page (the web view,
// agent/web_view.h) theirs. Off unless --metrics-addr is given. Read-only: it serves GET and
// HEAD and changes nothing.
//
// Access: a loopback address serves anyone on the host (as node_exporter does; the numbers
// say nothing secret). Any other address needs the agent's API token (--api-token-file), sent
// as `Authorization: Bearer TOKEN` (Prometheus: `authorization: {credentials_file: F}`), the
// same rule as a TCP --api.
//
// Bounded before authenticated: a request is its header only (at most max_header_bytes,
// read into a buffer of that size; a body is refused), every connection has a deadline and a
// slot under max_connections, and connections past it are closed at accept. Nothing a client
// sends makes the agent hold more than max_connections * max_header_bytes of request data.
#pragma once

#include <boost/asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agent/metrics_collect.h"
#include "common/result.h"

namespace shoal {

struct MetricsServerLimits {
  // A scrape's request line and headers are a few hundred bytes; 8 KiB is Beast's and most
  // servers' default and leaves room for a long bearer token.
  std::uint32_t max_header_bytes = 8u << 10;
  // A Prometheus server holds one keep-alive connection per target; 16 serves several scrapers
  // and curl at once while a flood costs at most 16 * 8 KiB.
  std::uint32_t max_connections = 16;
  // Waiting for a request (Prometheus scrapes every 15-60 s on a kept-alive connection): a
  // connection idle past this is closed and the scraper reconnects, so an idle or slow client
  // never holds a slot for long. 90 s > the common 60 s scrape interval, so a kept-alive
  // connection survives between scrapes.
  std::uint32_t read_timeout_ms = 90'000;
  // The header must be complete within this once its first byte arrived (slowloris).
  std::uint32_t header_timeout_ms = 5'000;
  // Writing the answer (tens of KiB) to a slow reader.
  std::uint32_t write_timeout_ms = 10'000;
  // accept() failing (EMFILE): wait this long before the next accept instead of spinning.
  std::uint32_t accept_backoff_ms = 100;
};

class MetricsServer {
 public:
  using Render = std::function<std::string()>;

  MetricsServer(boost::asio::io_context& io, Render render, MetricsServerLimits limits = {});
  ~MetricsServer();

  // Serves `render()` at `path` too (GET and HEAD), e.g. the web view at "/" (agent/web_view.h).
  // Same access rule as /metrics; call before listen().
  void add_page(const std::string& path, const std::string& content_type, Render render);

  // `address`: IP:PORT. `token`: the API token ("" if none); required unless the address is
  // loopback. Port 0 picks a free port (see port()).
  Status listen(const std::string& address, const std::string& token);
  std::uint16_t port() const;
  void close();

  const MetricsServerStats& stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace shoal
