#include "agent/docker_api_server.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include <nlohmann/json.hpp>

#include "agent/atomic_file.h"
#include "common/log.h"

namespace shoal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using unix_stream = asio::local::stream_protocol;

struct DockerApiServer::Impl : std::enable_shared_from_this<DockerApiServer::Impl> {
  asio::io_context& io;
  Handler handler;
  DockerApiLimits limits;
  std::string token;
  std::string unix_path;
  std::unique_ptr<unix_stream::acceptor> unix_acceptor;
  std::unique_ptr<tcp::acceptor> tcp_acceptor;
  DockerApiStats stats;
  std::uint32_t connections = 0;
  bool closed = false;

  Impl(asio::io_context& io_, Handler h, DockerApiLimits l) : io(io_), handler(std::move(h)), limits(l) {}

  template <typename Acceptor, typename Socket>
  void accept(Acceptor& acceptor, bool need_token);
};

namespace {

DockerResponse error_response(unsigned status, const std::string& message) {
  nlohmann::json j = {{"message", message}};
  return {status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", "application/json"};
}

// One connection: requests read and answered in turn (HTTP/1.1 keep-alive); owns itself.
template <typename Socket>
class DockerSession : public std::enable_shared_from_this<DockerSession<Socket>> {
 public:
  DockerSession(Socket socket, std::shared_ptr<DockerApiServer::Impl> server, bool need_token)
      : socket_(std::move(socket)), server_(std::move(server)), deadline_(server_->io), need_token_(need_token),
        buffer_(server_->limits.max_header_bytes) {
    ++server_->connections;
  }
  ~DockerSession() { --server_->connections; }

  void start() { read_header(); }

 private:
  void read_header() {
    parser_.emplace();
    parser_->header_limit(server_->limits.max_header_bytes);
    parser_->body_limit(server_->limits.max_body_bytes);
    arm_deadline(server_->limits.read_timeout_ms, true);
    auto self = this->shared_from_this();
    http::async_read_header(socket_, buffer_, *parser_, [self](beast::error_code ec, std::size_t) {
      if (ec) return self->on_read_error(ec);
      self->on_header();
    });
  }

  void on_header() {
    if (need_token_ && !has_token(parser_->get())) {
      ++server_->stats.refused_token;
      log_warning("docker-api: refused a request without the right bearer token");
      return send(error_response(401, "shoal: this Docker API endpoint needs `Authorization: Bearer TOKEN` "
                                      "(the agent's --api-token-file; docker: config.json HttpHeaders)"),
                  false);
    }
    auto self = this->shared_from_this();
    http::async_read(socket_, buffer_, *parser_, [self](beast::error_code ec, std::size_t) {
      if (ec) return self->on_read_error(ec);
      self->on_request();
    });
  }

  bool has_token(const http::request<http::string_body>& req) const {
    auto it = req.find(http::field::authorization);
    if (it == req.end()) return false;
    const std::string want = "Bearer " + server_->token;
    beast::string_view got = it->value();
    return got.size() == want.size() && sodium_memcmp(got.data(), want.data(), want.size()) == 0;
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::header_limit) {
      ++server_->stats.refused_oversized;
      return send(error_response(431, "request header larger than " + std::to_string(server_->limits.max_header_bytes) + " bytes"), false);
    }
    if (ec == http::error::body_limit) {
      ++server_->stats.refused_oversized;
      return send(error_response(413, "request body larger than " + std::to_string(server_->limits.max_body_bytes) + " bytes"), false);
    }
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset)
      return close();
    ++server_->stats.bad_requests;
    send(error_response(400, "bad HTTP request: " + ec.message()), false);
  }

  void on_request() {
    deadline_.cancel();
    ++server_->stats.requests;
    const auto& req = parser_->get();
    const bool keep_alive = req.keep_alive();
    auto target = parse_docker_target(std::string_view(req.target().data(), req.target().size()));
    if (!target) {
      ++server_->stats.bad_requests;
      return send(error_response(400, target.message()), keep_alive);
    }
    DockerRequest r{std::string(req.method_string()), std::move(*target), std::move(parser_->get().body())};
    head_ = r.method == "HEAD";
    // The routes return errors as values; an exception escaping them (a bug) must not take
    // the agent down with it: it becomes a 500 and a log line.
    auto self = this->shared_from_this();
    auto answered = std::make_shared<bool>(false);
    auto respond = [self, keep_alive, answered](DockerResponse resp) {
      if (*answered) return;
      *answered = true;
      self->send(resp, keep_alive);
    };
    try {
      server_->handler(r, respond);
    } catch (const std::exception& e) {
      log_error("docker-api: " + r.method + " " + r.target.path + " failed: " + e.what());
      respond(error_response(500, std::string("internal error: ") + e.what()));
    }
  }

  template <typename Body>
  void set_headers(http::response<Body>& res, const DockerResponse& resp) {
    res.set(http::field::server, "shoal");
    res.set(http::field::content_type, resp.content_type);
    res.set("Api-Version", kDockerApiVersion);
    res.set("Docker-Experimental", "false");
    res.set("Ostype", "linux");
    // Every shoal node takes writes: to the docker CLI each is an active manager.
    res.set("Swarm", "active/manager");
    res.set(http::field::cache_control, "no-cache, no-store, must-revalidate");
  }

  // A streamed body: the head, `resp.body` as the first chunk, then the stream's pieces until
  // it is done or the client goes (a read that ends tells: the client sends nothing more).
  void send_stream(const DockerResponse& resp) {
    auto res = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(resp.status), 11);
    set_headers(*res, resp);
    res->keep_alive(false);
    res->chunked(true);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    auto self = this->shared_from_this();
    arm_deadline(server_->limits.write_timeout_ms, false);
    http::async_write_header(socket_, *sr, [self, res, sr, stream = resp.stream, first = resp.body](beast::error_code ec, std::size_t) {
      self->deadline_.cancel();
      if (ec) return self->close();
      self->watch_for_close();
      if (first.empty()) return self->pull(stream);
      self->write_chunk(std::make_shared<std::string>(first), stream);
    });
  }

  void watch_for_close() {
    auto byte = std::make_shared<char>();
    auto self = this->shared_from_this();
    socket_.async_read_some(asio::buffer(byte.get(), 1), [self, byte](boost::system::error_code, std::size_t) {
      self->close();  // the client closed (or sent what a stream does not expect)
    });
  }

  void pull(std::shared_ptr<DockerStream> stream) {
    if (!socket_.is_open() || server_->closed) return close();
    auto self = this->shared_from_this();
    stream->next([self, stream](std::string piece, bool done) {
      if (!self->socket_.is_open() || self->server_->closed) return self->close();
      if (done) {
        self->arm_deadline(self->server_->limits.write_timeout_ms, false);
        return asio::async_write(self->socket_, http::make_chunk_last(), [self](beast::error_code, std::size_t) {
          self->close();
        });
      }
      if (piece.empty()) return self->pull(stream);
      self->write_chunk(std::make_shared<std::string>(std::move(piece)), stream);
    });
  }

  void write_chunk(std::shared_ptr<std::string> piece, std::shared_ptr<DockerStream> stream) {
    arm_deadline(server_->limits.write_timeout_ms, false);
    auto self = this->shared_from_this();
    asio::async_write(socket_, http::make_chunk(asio::buffer(*piece)), [self, piece, stream](beast::error_code ec, std::size_t) {
      self->deadline_.cancel();
      if (ec) return self->close();
      self->pull(stream);
    });
  }

  void send(const DockerResponse& resp, bool keep_alive) {
    if (resp.stream && !head_) return send_stream(resp);
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(resp.status), 11);
    set_headers(*res, resp);
    res->body() = head_ ? std::string() : resp.body;
    res->keep_alive(keep_alive);
    res->prepare_payload();
    if (head_) res->content_length(resp.body.size());
    else if (resp.chunked) res->chunked(true);
    head_ = false;
    arm_deadline(server_->limits.write_timeout_ms, false);
    auto self = this->shared_from_this();
    http::async_write(socket_, *res, [self, res, keep_alive](beast::error_code ec, std::size_t) {
      self->deadline_.cancel();
      if (ec || !keep_alive || self->server_->closed) return self->close();
      self->read_header();
    });
  }

  void arm_deadline(std::uint32_t ms, bool reading) {
    deadline_.expires_after(std::chrono::milliseconds(ms));
    std::weak_ptr<DockerSession> weak = this->shared_from_this();
    deadline_.async_wait([weak, reading](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) {
        if (reading) ++self->server_->stats.timed_out;
        self->close();
      }
    });
  }

  void close() {
    boost::system::error_code ignored;
    deadline_.cancel();
    socket_.shutdown(asio::socket_base::shutdown_both, ignored);
    socket_.close(ignored);
  }

  Socket socket_;
  std::shared_ptr<DockerApiServer::Impl> server_;
  asio::steady_timer deadline_;
  bool need_token_;
  bool head_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

template <typename Acceptor, typename Socket>
void DockerApiServer::Impl::accept(Acceptor& acceptor, bool need_token) {
  auto self = shared_from_this();
  acceptor.async_accept([self, &acceptor, need_token](boost::system::error_code ec, Socket socket) {
    if (ec == asio::error::operation_aborted || self->closed) return;
    if (!ec) {
      if (self->connections >= self->limits.max_connections) ++self->stats.refused_busy;  // closed here
      else std::make_shared<DockerSession<Socket>>(std::move(socket), self, need_token)->start();
    }
    // accept() errors (EMFILE) are rare here: retried on the next turn of the loop via post, so
    // a burst does not spin the loop without yielding to the other handlers.
    if (ec) {
      asio::post(self->io, [self, &acceptor, need_token] {
        if (!self->closed) self->accept<Acceptor, Socket>(acceptor, need_token);
      });
      return;
    }
    self->accept<Acceptor, Socket>(acceptor, need_token);
  });
}

DockerApiServer::DockerApiServer(asio::io_context& io, Handler handler, DockerApiLimits limits)
    : impl_(std::make_shared<Impl>(io, std::move(handler), limits)) {}

DockerApiServer::~DockerApiServer() { close(); }

const DockerApiStats& DockerApiServer::stats() const { return impl_->stats; }

Status DockerApiServer::listen(const std::string& address, const std::string& token) {
  auto a = parse_docker_api_address(address);
  if (!a) return a.error();
  boost::system::error_code ec;
  if (a->tcp) {
    if (token.empty()) return make_error("--docker-api " + address + " is TCP: it needs --api-token-file FILE");
    impl_->token = token;
    auto ip = asio::ip::make_address(a->host, ec);
    if (ec) return make_error("--docker-api: '" + a->host + "' is not an IP address");
    tcp::endpoint ep(ip, a->port);
    impl_->tcp_acceptor = std::make_unique<tcp::acceptor>(impl_->io);
    impl_->tcp_acceptor->open(ep.protocol(), ec);
    if (!ec) impl_->tcp_acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl_->tcp_acceptor->bind(ep, ec);
    if (!ec) impl_->tcp_acceptor->listen(64, ec);
    if (ec) return make_error("--docker-api " + address + ": " + ec.message());
    impl_->accept<tcp::acceptor, tcp::socket>(*impl_->tcp_acceptor, true);
    return {};
  }
  const std::string& path = a->path;
  auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0)
    if (auto d = make_dirs(path.substr(0, slash), 0755); !d) return d;
  ::unlink(path.c_str());  // a stale socket from a killed agent
  impl_->unix_path = path;
  impl_->unix_acceptor = std::make_unique<unix_stream::acceptor>(impl_->io);
  mode_t old = ::umask(0177);  // created 0600, as the shoal API socket
  impl_->unix_acceptor->open(unix_stream(), ec);
  if (!ec) impl_->unix_acceptor->bind(unix_stream::endpoint(path), ec);
  ::umask(old);
  if (!ec) impl_->unix_acceptor->listen(64, ec);
  if (ec) return make_error("--docker-api " + address + ": " + ec.message());
  ::chmod(path.c_str(), 0600);
  impl_->accept<unix_stream::acceptor, unix_stream::socket>(*impl_->unix_acceptor, false);
  return {};
}

void DockerApiServer::close() {
  if (!impl_ || impl_->closed) return;
  impl_->closed = true;
  boost::system::error_code ec;
  if (impl_->tcp_acceptor) impl_->tcp_acceptor->close(ec);
  if (impl_->unix_acceptor) {
    impl_->unix_acceptor->close(ec);
    ::unlink(impl_->unix_path.c_str());
  }
}

}  // namespace shoal
