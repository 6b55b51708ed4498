// A GenlTransport that pairs each reply with its request by netlink sequence number.
//
// Why it exists: shoal's MnlGenlTransport reads exactly one datagram per call. GETFAMILY is sent
// with NLM_F_ACK, so the kernel answers it with two datagrams (the family data, then the ack);
// the ack is left on the socket and every later request() reads the answer of the request before
// it. Found by this VM test: a refused `mh` scheduler (ENOENT) was taken as success, and the
// next AddBackend failed with that ENOENT. Until MnlGenlTransport reads up to the ack carrying
// its own sequence number (the loop in exchange() here), the guest driver uses this transport by
// default; IpvsBackend, its messages and LoadBalancer are shoal's. `ipvs_lb_driver --transport
// shoal` runs MnlGenlTransport instead: with that fix applied it passes guest test A.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "loadbalancer/ipvs_backend.h"

namespace shoal {

// What one received datagram holds for request `seq`: data messages, and the ack or error.
struct GenlReplyScan {
  bool has_data = false;
  std::optional<int> ack_errno;  // 0: acked; > 0: the kernel's errno; none: no ack for seq here
};
// Messages answering other sequence numbers (stale replies) are ignored; a malformed datagram
// is an error.
Result<GenlReplyScan> scan_genl_reply(const std::uint8_t* data, std::size_t size, std::uint32_t seq);

class SeqGenlTransport final : public GenlTransport {
 public:
  static Result<std::unique_ptr<SeqGenlTransport>> open();
  ~SeqGenlTransport() override;
  Result<int> request(const Bytes& message) override;
  // The datagrams answering the message, up to and including its ack (if it asked for one).
  Result<Bytes> query(const Bytes& message) override;

 private:
  explicit SeqGenlTransport(void* socket) : socket_(socket) {}
  struct Exchange {
    Bytes replies;
    int ack_errno = 0;
  };
  Result<Exchange> exchange(const Bytes& message);
  void* socket_;  // mnl_socket*
};

}  // namespace shoal
