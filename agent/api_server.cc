#include "agent/api_server.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "agent/agent_config.h"
#include "agent/atomic_file.h"

namespace shoal {

namespace asio = boost::asio;
using asio::ip::tcp;
using unix_stream = asio::local::stream_protocol;

namespace {

// One request/response exchange on any stream socket; owns itself while in flight.
template <typename Socket>
class Session : public std::enable_shared_from_this<Session<Socket>> {
 public:
  Session(Socket socket, const ApiServer::Handler& handler, const std::string& token,
          std::uint64_t* refused)
      : socket_(std::move(socket)), handler_(handler), token_(token), refused_(refused) {}

  void start() {
    auto self = this->shared_from_this();
    asio::async_read(socket_, asio::buffer(header_), [self](auto ec, std::size_t) {
      if (ec) return;
      std::uint32_t n = frame_length(self->header_);
      if (n > kMaxApiFrameBytes) return;
      self->body_.resize(n);
      asio::async_read(self->socket_, asio::buffer(self->body_),
                       [self](auto ec2, std::size_t) { if (!ec2) self->respond(); });
    });
  }

 private:
  void respond() {
    ApiResponse resp;
    auto req = decode_request(body_);
    if (!req) {
      resp = {2, "", req.message() + "\n"};
    } else if (!token_.empty() &&
               (req->token.size() != token_.size() ||
                sodium_memcmp(req->token.data(), token_.data(), token_.size()) != 0)) {
      ++*refused_;
      std::fprintf(stderr, "shoal: api: refused a request without the right token (set SHOAL_TOKEN)\n");
      resp = {3, "", "refused: wrong or missing API token (set SHOAL_TOKEN)\n"};
    } else {
      auto self = this->shared_from_this();
      handler_(*req, [self](ApiResponse r) { self->send(r); });
      return;
    }
    send(resp);
  }

  void send(const ApiResponse& resp) {
    out_ = frame(encode_response(resp));
    auto self = this->shared_from_this();
    asio::async_write(socket_, asio::buffer(out_), [self](auto, std::size_t) {});
  }

  Socket socket_;
  const ApiServer::Handler& handler_;
  const std::string& token_;
  std::uint64_t* refused_;
  std::uint8_t header_[4]{};
  Bytes body_, out_;
};

}  // namespace

struct ApiServer::Impl {
  asio::io_context& io;
  Handler handler;
  std::string token;
  std::string unix_path;
  std::unique_ptr<unix_stream::acceptor> unix_acceptor;
  std::unique_ptr<tcp::acceptor> tcp_acceptor;
  std::uint64_t* refused;

  template <typename Acceptor, typename Socket>
  void accept(Acceptor& acceptor) {
    acceptor.async_accept([this, &acceptor](boost::system::error_code ec, Socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Session<Socket>>(std::move(socket), handler, token, refused)->start();
      accept<Acceptor, Socket>(acceptor);
    });
  }
};

ApiServer::ApiServer(asio::io_context& io, Handler handler)
    : impl_(std::make_unique<Impl>(Impl{io, std::move(handler), {}, {}, nullptr, nullptr, &refused_})) {}

ApiServer::~ApiServer() { close(); }

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
    impl_->accept<tcp::acceptor, tcp::socket>(*impl_->tcp_acceptor);
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
  impl_->accept<unix_stream::acceptor, unix_stream::socket>(*impl_->unix_acceptor);
  return {};
}

void ApiServer::close() {
  if (!impl_) return;
  boost::system::error_code ec;
  if (impl_->tcp_acceptor) impl_->tcp_acceptor->close(ec);
  if (impl_->unix_acceptor) {
    impl_->unix_acceptor->close(ec);
    ::unlink(impl_->unix_path.c_str());
  }
}

}  // namespace shoal
