#include "agent/api_server.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "agent/agent_config.h"
#include "agent/atomic_file.h"
#include "common/log.h"

namespace shoal {

namespace asio = boost::asio;
using asio::ip::tcp;
using unix_stream = asio::local::stream_protocol;

Result<TokenPrefix> parse_token_prefix(const std::uint8_t* p, std::size_t n) {
  auto bad = [] { return make_error("a request is msgpack [token, argv]"); };
  if (n == 0) return TokenPrefix{};
  if (p[0] != 0x92) return bad();  // fixarray of 2: what encode_request writes
  if (n < 2) return TokenPrefix{};
  const std::uint8_t tag = p[1];
  std::size_t header = 0, len = 0;
  if ((tag & 0xe0) == 0xa0) {
    header = 1, len = tag & 0x1f;
  } else if (tag == 0xd9 || tag == 0xda || tag == 0xdb) {
    header = tag == 0xd9 ? 2 : tag == 0xda ? 3 : 5;
    if (n < 1 + header) return TokenPrefix{};
    for (std::size_t i = 2; i < 1 + header; ++i) len = (len << 8) | p[i];
  } else {
    return bad();
  }
  if (n < 1 + header + len) return TokenPrefix{};
  return TokenPrefix{true, std::string(reinterpret_cast<const char*>(p) + 1 + header, len)};
}

struct ApiServer::Impl : std::enable_shared_from_this<ApiServer::Impl> {
  asio::io_context& io;
  Handler handler;
  ApiServerLimits limits;
  std::string token;
  std::string unix_path;
  std::unique_ptr<unix_stream::acceptor> unix_acceptor;
  std::unique_ptr<tcp::acceptor> tcp_acceptor;
  std::unique_ptr<asio::steady_timer> backoff_timer;
  std::uint32_t backoff_ms = 0;  // 0: the last accept succeeded
  ApiServerStats stats;
  std::uint32_t connections = 0;
  std::uint64_t buffered = 0;
  bool closed = false;

  Impl(asio::io_context& io_, Handler h, ApiServerLimits l) : io(io_), handler(std::move(h)), limits(l) {}

  template <typename Acceptor, typename Socket>
  void accept(Acceptor& acceptor, bool need_token);
  template <typename Acceptor, typename Socket>
  void back_off(Acceptor& acceptor, bool need_token, const boost::system::error_code& ec);
};

namespace {

// One request/response exchange on any stream socket; owns itself while in flight.
template <typename Socket>
class ApiSession : public std::enable_shared_from_this<ApiSession<Socket>> {
 public:
  ApiSession(Socket socket, std::shared_ptr<ApiServer::Impl> server, bool need_token)
      : socket_(std::move(socket)), server_(std::move(server)), deadline_(server_->io), need_token_(need_token) {
    ++server_->connections;
  }
  ~ApiSession() {
    release_buffer();
    --server_->connections;
  }

  void start() {
    arm_deadline(server_->limits.read_timeout_ms, true);
    auto self = this->shared_from_this();
    asio::async_read(socket_, asio::buffer(header_), [self](auto ec, std::size_t) {
      if (ec) return;
      self->expected_ = frame_length(self->header_);
      if (self->expected_ > self->server_->limits.max_request_bytes) {
        ++self->server_->stats.refused_oversized;
        return self->close();
      }
      const std::size_t first = self->need_token_ ? self->server_->limits.pre_auth_bytes
                                                  : self->server_->limits.read_chunk_bytes;
      self->read_up_to(std::min<std::size_t>(self->expected_, first));
    });
  }

 private:
  // Grows the buffer to `target` bytes (within the total budget) and reads into the new part.
  void read_up_to(std::size_t target) {
    const std::size_t more = target - body_.size();
    if (server_->buffered + more > server_->limits.max_buffered_bytes) {
      ++server_->stats.refused_busy;
      return close();
    }
    server_->buffered += more;
    const std::size_t have = body_.size();
    body_.resize(target);
    auto self = this->shared_from_this();
    asio::async_read(socket_, asio::buffer(body_.data() + have, more), [self](auto ec, std::size_t) {
      if (ec) return;
      self->on_bytes();
    });
  }

  void on_bytes() {
    if (need_token_ && !authenticated_) {
      auto prefix = parse_token_prefix(body_.data(), body_.size());
      if (!prefix || !prefix->complete) return refuse_token();  // read pre_auth_bytes already
      const std::string& t = server_->token;
      if (prefix->token.size() != t.size() || sodium_memcmp(prefix->token.data(), t.data(), t.size()) != 0)
        return refuse_token();
      authenticated_ = true;
    }
    if (body_.size() < expected_)
      return read_up_to(std::min<std::size_t>(expected_, body_.size() + server_->limits.read_chunk_bytes));
    deadline_.cancel();
    respond();
  }

  void refuse_token() {
    ++server_->stats.refused_token;
    log_warning("api: refused a request without the right token (set SHOAL_TOKEN)");
    send({3, "", "refused: wrong or missing API token (set SHOAL_TOKEN)\n"});
  }

  void respond() {
    auto req = decode_request(body_);
    release_buffer();
    if (!req) return send({2, "", req.message() + "\n"});
    auto self = this->shared_from_this();
    server_->handler(*req, [self](ApiResponse r) { self->send(r); });
  }

  void send(const ApiResponse& resp) {
    release_buffer();
    out_ = frame(encode_response(resp));
    arm_deadline(server_->limits.write_timeout_ms, false);
    auto self = this->shared_from_this();
    asio::async_write(socket_, asio::buffer(out_), [self](auto, std::size_t) { self->close(); });
  }

  void arm_deadline(std::uint32_t ms, bool reading) {
    deadline_.expires_after(std::chrono::milliseconds(ms));
    std::weak_ptr<ApiSession> weak = this->shared_from_this();
    deadline_.async_wait([weak, reading](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) {
        if (reading) ++self->server_->stats.timed_out;
        self->close();
      }
    });
  }

  void release_buffer() {
    server_->buffered -= body_.size();
    Bytes().swap(body_);
  }

  void close() {
    boost::system::error_code ignored;
    deadline_.cancel();
    socket_.close(ignored);
  }

  Socket socket_;
  std::shared_ptr<ApiServer::Impl> server_;
  asio::steady_timer deadline_;
  bool need_token_;
  bool authenticated_ = false;
  std::uint8_t header_[4]{};
  std::uint32_t expected_ = 0;
  Bytes body_, out_;
};

}  // namespace

template <typename Acceptor, typename Socket>
void ApiServer::Impl::accept(Acceptor& acceptor, bool need_token) {
  auto self = shared_from_this();
  acceptor.async_accept([self, &acceptor, need_token](boost::system::error_code ec, Socket socket) {
    if (ec == asio::error::operation_aborted || self->closed) return;
    if (ec) return self->back_off<Acceptor, Socket>(acceptor, need_token, ec);
    self->backoff_ms = 0;
    if (self->connections >= self->limits.max_connections) {
      ++self->stats.refused_busy;  // closed at once: a flood cannot hold descriptors
    } else {
      std::make_shared<ApiSession<Socket>>(std::move(socket), self, need_token)->start();
    }
    self->accept<Acceptor, Socket>(acceptor, need_token);
  });
}

template <typename Acceptor, typename Socket>
void ApiServer::Impl::back_off(Acceptor& acceptor, bool need_token, const boost::system::error_code& ec) {
  ++stats.accept_errors;
  if (backoff_ms == 0) {
    backoff_ms = limits.accept_backoff_ms;
    log_warning("api: accept failed (" + ec.message() + "); pausing accepts, retrying with backoff up to " +
                std::to_string(limits.accept_backoff_max_ms) + " ms");
  } else {
    backoff_ms = std::min(backoff_ms * 2, limits.accept_backoff_max_ms);
  }
  if (!backoff_timer) backoff_timer = std::make_unique<asio::steady_timer>(io);
  backoff_timer->expires_after(std::chrono::milliseconds(backoff_ms));
  auto self = shared_from_this();
  backoff_timer->async_wait([self, &acceptor, need_token](boost::system::error_code tec) {
    if (tec || self->closed) return;
    self->accept<Acceptor, Socket>(acceptor, need_token);
  });
}

ApiServer::ApiServer(asio::io_context& io, Handler handler, ApiServerLimits limits)
    : impl_(std::make_shared<Impl>(io, std::move(handler), limits)) {}

ApiServer::~ApiServer() { close(); }

std::uint64_t ApiServer::refused_requests() const {
  const ApiServerStats& s = impl_->stats;
  return s.refused_token + s.refused_oversized + s.refused_busy + s.timed_out;
}
const ApiServerStats& ApiServer::stats() const { return impl_->stats; }

Status ApiServer::listen(const std::string& address, const std::string& token) {
  boost::system::error_code ec;
  if (api_is_tcp(address)) {
    if (token.empty()) return make_error("--api " + address + " needs a token (--api-token-file)");
    auto hp = split_host_port(address, "--api");
    if (!hp) return hp.error();
    impl_->token = token;
    auto addr = asio::ip::make_address(hp->first, ec);
    if (ec) return make_error("--api: '" + hp->first + "' is not an IP address");
    impl_->tcp_acceptor = std::make_unique<tcp::acceptor>(impl_->io);
    tcp::endpoint ep(addr, hp->second);
    impl_->tcp_acceptor->open(ep.protocol(), ec);
    if (!ec) impl_->tcp_acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl_->tcp_acceptor->bind(ep, ec);
    if (!ec) impl_->tcp_acceptor->listen(64, ec);
    if (ec) return make_error("--api " + address + ": " + ec.message());
    impl_->accept<tcp::acceptor, tcp::socket>(*impl_->tcp_acceptor, true);
    return {};
  }
  auto slash = address.rfind('/');
  if (slash != std::string::npos && slash > 0)
    if (auto d = make_dirs(address.substr(0, slash), 0755); !d) return d;
  ::unlink(address.c_str());  // a stale socket from a killed agent
  impl_->unix_path = address;
  impl_->unix_acceptor = std::make_unique<unix_stream::acceptor>(impl_->io);
  mode_t old = ::umask(0177);  // socket created 0600: only the owner may control the agent
  impl_->unix_acceptor->open(unix_stream(), ec);
  if (!ec) impl_->unix_acceptor->bind(unix_stream::endpoint(address), ec);
  ::umask(old);
  if (!ec) impl_->unix_acceptor->listen(64, ec);
  if (ec) return make_error("--api " + address + ": " + ec.message());
  ::chmod(address.c_str(), 0600);
  // The socket's file mode is the access control: no token on the unix socket.
  impl_->accept<unix_stream::acceptor, unix_stream::socket>(*impl_->unix_acceptor, false);
  return {};
}

void ApiServer::close() {
  if (!impl_ || impl_->closed) return;
  impl_->closed = true;
  boost::system::error_code ec;
  if (impl_->backoff_timer) impl_->backoff_timer->cancel();
  if (impl_->tcp_acceptor) impl_->tcp_acceptor->close(ec);
  if (impl_->unix_acceptor) {
    impl_->unix_acceptor->close(ec);
    ::unlink(impl_->unix_path.c_str());
  }
}

}  // namespace shoal
