#include "cli/api_client.h"

#include <boost/asio.hpp>
#include <chrono>

#include "agent/agent_config.h"

namespace shoal {

namespace asio = boost::asio;

namespace {

template <typename Socket>
Result<ApiResponse> exchange(asio::io_context& io, Socket& socket, const ApiRequest& request,
                             unsigned timeout_ms, const std::string& address) {
  Bytes out = frame(encode_request(request));
  std::uint8_t header[4];
  Bytes body;
  boost::system::error_code result = asio::error::timed_out;
  bool done = false;
  asio::async_write(socket, asio::buffer(out), [&](auto ec, std::size_t) {
    if (ec) { result = ec; done = true; return; }
    asio::async_read(socket, asio::buffer(header), [&](auto ec2, std::size_t) {
      if (ec2) { result = ec2; done = true; return; }
      std::uint32_t n = frame_length(header);
      if (n > kMaxApiFrameBytes) { result = asio::error::message_size; done = true; return; }
      body.resize(n);
      asio::async_read(socket, asio::buffer(body), [&](auto ec3, std::size_t) {
        result = ec3;
        done = true;
      });
    });
  });
  io.run_for(std::chrono::milliseconds(timeout_ms));
  if (!done) return make_error("agent at " + address + " did not answer within " + std::to_string(timeout_ms) + " ms");
  if (result) return make_error("talking to agent at " + address + ": " + result.message());
  return decode_response(body);
}

}  // namespace

Result<ApiResponse> call_agent(const std::string& address, const ApiRequest& request, unsigned timeout_ms) {
  asio::io_context io;
  boost::system::error_code ec;
  const std::string hint = " (is `shoal agent` running? set --api or SHOAL_API)";
  if (api_is_tcp(address)) {
    auto hp = split_host_port(address, "--api");
    if (!hp) return hp.error();
    asio::ip::tcp::socket s(io);
    auto addr = asio::ip::make_address(hp->first, ec);
    if (ec) return make_error("--api: '" + hp->first + "' is not an IP address");
    s.connect({addr, hp->second}, ec);
    if (ec) return make_error("cannot reach agent at " + address + ": " + ec.message() + hint);
    return exchange(io, s, request, timeout_ms, address);
  }
  asio::local::stream_protocol::socket s(io);
  s.connect(asio::local::stream_protocol::endpoint(address), ec);
  if (ec) return make_error("cannot reach agent at " + address + ": " + ec.message() + hint);
  return exchange(io, s, request, timeout_ms, address);
}

}  // namespace shoal
