#include "agent/metrics_server.h"

#include <map>

#include <sodium.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>

#include "agent/agent_config.h"
#include "agent/metrics_text.h"

namespace shoal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

struct MetricsServer::Impl : std::enable_shared_from_this<MetricsServer::Impl> {
  asio::io_context& io;
  Render render;
  std::map<std::string, std::pair<std::string, Render>> pages;  // path -> (content type, render)
  MetricsServerLimits limits;
  std::string token;  // "" = no token asked (loopback)
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> backoff;
  MetricsServerStats stats;
  std::uint32_t connections = 0;
  bool closed = false;

  Impl(asio::io_context& io_, Render r, MetricsServerLimits l) : io(io_), render(std::move(r)), limits(l) {}
  void accept();
};

namespace {

// Constant time: the token is a secret; its prefix must not leak through timing.
bool bearer_matches(beast::string_view header, const std::string& token) {
  constexpr beast::string_view kScheme = "Bearer ";
  if (header.size() != kScheme.size() + token.size() || header.substr(0, kScheme.size()) != kScheme) return false;
  return sodium_memcmp(header.data() + kScheme.size(), token.data(), token.size()) == 0;
}

// One connection: requests read and answered in turn (keep-alive), until the client closes,
// a deadline passes, or a request is refused.
class MetricsSession : public std::enable_shared_from_this<MetricsSession> {
 public:
  MetricsSession(tcp::socket socket, std::shared_ptr<MetricsServer::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)), idle_(server_->io),
        buffer_(server_->limits.max_header_bytes) {
    ++server_->connections;
  }
  ~MetricsSession() { --server_->connections; }

  void read_request() {
    parser_.emplace();
    parser_->header_limit(server_->limits.max_header_bytes);
    parser_->body_limit(0);  // a scrape has no body
    // The idle wait between scrapes may be long; once bytes arrive the header gets
    // header_timeout_ms (beast's own timer), so a client dribbling bytes is closed soon.
    idle_.expires_after(std::chrono::milliseconds(server_->limits.read_timeout_ms));
    std::weak_ptr<MetricsSession> weak = shared_from_this();
    idle_.async_wait([weak](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->close();  // idle: the scraper reconnects
    });
    if (buffer_.size() > 0) return read_header();  // a pipelined request is here already
    auto self = shared_from_this();
    stream_.socket().async_wait(tcp::socket::wait_read, [self](beast::error_code ec) {
      if (ec) return self->on_error(ec);
      self->read_header();
    });
  }

 private:
  void read_header() {
    idle_.cancel();
    stream_.expires_after(std::chrono::milliseconds(server_->limits.header_timeout_ms));
    auto self = shared_from_this();
    http::async_read(stream_, buffer_, *parser_, [self](beast::error_code ec, std::size_t) { self->on_request(ec); });
  }

  void on_error(beast::error_code ec) {
    if (ec == beast::error::timeout) ++server_->stats.timed_out;
    else if (ec != http::error::end_of_stream && ec != asio::error::eof && ec != asio::error::connection_reset &&
             ec != asio::error::operation_aborted)
      ++server_->stats.bad_requests;  // header too large, a body, not HTTP
    close();
  }

  void on_request(beast::error_code ec) {
    if (ec) return on_error(ec);
    const auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    if (!server_->token.empty() && !bearer_matches(req[http::field::authorization], server_->token)) {
      ++server_->stats.refused_token;
      keep_alive_ = false;
      return answer(http::status::unauthorized, "refused: send the agent's API token as 'Authorization: Bearer TOKEN'\n",
                    req.version());
    }
    if (req.method() != http::verb::get && req.method() != http::verb::head)
      return answer(http::status::method_not_allowed, "only GET and HEAD: the metrics endpoint is read-only\n",
                    req.version());
    beast::string_view target = req.target();
    target = target.substr(0, target.find('?'));  // Prometheus may add parameters; none are used
    if (auto page = server_->pages.find(std::string(target)); page != server_->pages.end())
      return answer(http::status::ok, page->second.second(), req.version(), page->second.first.c_str(),
                    req.method() == http::verb::head);
    if (target != "/metrics")
      return answer(http::status::not_found, "not found: metrics are at /metrics, the web view at /\n", req.version());
    ++server_->stats.scrapes;
    answer(http::status::ok, server_->render(), req.version(), metrics::kContentType, req.method() == http::verb::head);
  }

  void answer(http::status status, std::string body, unsigned version, const char* type = "text/plain; charset=utf-8",
              bool head = false) {
    response_.emplace(status, version);
    response_->set(http::field::server, "shoal");
    response_->set(http::field::content_type, type);
    if (status == http::status::unauthorized) response_->set(http::field::www_authenticate, "Bearer");
    if (status == http::status::method_not_allowed) response_->set(http::field::allow, "GET, HEAD");
    response_->keep_alive(keep_alive_);
    const std::size_t size = body.size();
    if (!head) response_->body() = std::move(body);
    response_->content_length(size);
    stream_.expires_after(std::chrono::milliseconds(server_->limits.write_timeout_ms));
    auto self = shared_from_this();
    http::async_write(stream_, *response_, [self](beast::error_code ec, std::size_t) {
      if (ec) return self->on_error(ec);
      self->response_.reset();
      if (!self->keep_alive_ || self->server_->closed) return self->close();
      self->read_request();
    });
  }

  void close() {
    beast::error_code ignored;
    idle_.cancel();
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  std::shared_ptr<MetricsServer::Impl> server_;
  asio::steady_timer idle_;
  beast::flat_buffer buffer_;  // capped at max_header_bytes
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  bool keep_alive_ = false;
};

}  // namespace

void MetricsServer::Impl::accept() {
  auto self = shared_from_this();
  acceptor->async_accept([self](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || self->closed) return;
    if (ec) {  // EMFILE and the like: pause accepting instead of spinning
      if (!self->backoff) self->backoff = std::make_unique<asio::steady_timer>(self->io);
      self->backoff->expires_after(std::chrono::milliseconds(self->limits.accept_backoff_ms));
      self->backoff->async_wait([self](boost::system::error_code tec) {
        if (!tec && !self->closed) self->accept();
      });
      return;
    }
    if (self->connections >= self->limits.max_connections) {
      ++self->stats.refused_busy;  // `socket` closes here: a flood cannot hold descriptors
    } else {
      std::make_shared<MetricsSession>(std::move(socket), self)->read_request();
    }
    self->accept();
  });
}

MetricsServer::MetricsServer(asio::io_context& io, Render render, MetricsServerLimits limits)
    : impl_(std::make_shared<Impl>(io, std::move(render), limits)) {}

void MetricsServer::add_page(const std::string& path, const std::string& content_type, Render render) {
  impl_->pages[path] = {content_type, std::move(render)};
}

MetricsServer::~MetricsServer() { close(); }

Status MetricsServer::listen(const std::string& address, const std::string& token) {
  auto hp = split_host_port(address, "--metrics-addr");
  if (!hp) {
    // Port 0 is refused by split_host_port (a flag wants a real port); tests ask for one.
    if (address.size() > 2 && address.substr(address.size() - 2) == ":0") hp = std::make_pair(address.substr(0, address.size() - 2), std::uint16_t{0});
    else return hp.error();
  }
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(hp->first, ec);
  if (ec) return make_error("--metrics-addr: '" + hp->first + "' is not an IP address");
  if (!addr.is_loopback() && token.empty())
    return make_error("--metrics-addr " + address +
                      " is not a loopback address: it needs the API token (--api-token-file FILE); scrapers send "
                      "'Authorization: Bearer TOKEN'");
  impl_->token = addr.is_loopback() ? std::string() : token;
  impl_->acceptor = std::make_unique<tcp::acceptor>(impl_->io);
  tcp::endpoint ep(addr, hp->second);
  impl_->acceptor->open(ep.protocol(), ec);
  if (!ec) impl_->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor->bind(ep, ec);
  if (!ec) impl_->acceptor->listen(64, ec);
  if (ec) return make_error("--metrics-addr " + address + ": " + ec.message());
  impl_->accept();
  return {};
}

std::uint16_t MetricsServer::port() const {
  boost::system::error_code ec;
  return impl_->acceptor ? impl_->acceptor->local_endpoint(ec).port() : 0;
}

const MetricsServerStats& MetricsServer::stats() const { return impl_->stats; }

void MetricsServer::close() {
  if (!impl_ || impl_->closed) return;
  impl_->closed = true;
  boost::system::error_code ec;
  if (impl_->backoff) impl_->backoff->cancel();
  if (impl_->acceptor) impl_->acceptor->close(ec);
}

}  // namespace shoal
