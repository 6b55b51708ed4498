// The agent's local control endpoint (Asio shell). A unix socket is created mode 0600 (only
// root/the owner may talk to the agent); a TCP address must be loopback-bound by the operator and
// every request must carry the token from --api-token-file, else it is refused and logged.
#pragma once

#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <string>

#include "agent/api_protocol.h"
#include "common/result.h"

namespace shoal {

class ApiServer {
 public:
  // Answers a request by calling `respond` exactly once, now or later (a verb may need to ask
  // other nodes first); the connection stays open until then.
  using Respond = std::function<void(ApiResponse)>;
  using Handler = std::function<void(const ApiRequest&, Respond)>;

  ApiServer(boost::asio::io_context& io, Handler handler);
  ~ApiServer();

  // `address`: unix socket path or IP:PORT. `token` must be non-empty for TCP.
  Status listen(const std::string& address, const std::string& token);
  void close();

  std::uint64_t refused_requests() const { return refused_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint64_t refused_ = 0;
};

}  // namespace shoal
