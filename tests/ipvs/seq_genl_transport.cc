#include "tests/ipvs/seq_genl_transport.h"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace shoal {

namespace {

// A reply to one request spans a few datagrams (data, then ack); more means something is off.
constexpr int kMaxDatagramsPerRequest = 64;
// The kernel answers a netlink request at once; a silent socket must not hang the test.
constexpr int kReceiveTimeoutS = 5;

mnl_socket* as_socket(void* p) { return static_cast<mnl_socket*>(p); }

std::string errno_text(const char* what) { return std::string("generic netlink: ") + what + ": " + std::strerror(errno); }

}  // namespace

Result<GenlReplyScan> scan_genl_reply(const std::uint8_t* data, std::size_t size, std::uint32_t seq) {
  GenlReplyScan scan;
  int remaining = static_cast<int>(std::min<std::size_t>(size, 1 << 20));
  auto* nlh = reinterpret_cast<const nlmsghdr*>(data);
  for (; mnl_nlmsg_ok(nlh, remaining); nlh = mnl_nlmsg_next(nlh, &remaining)) {
    if (nlh->nlmsg_seq != seq) continue;  // a stale reply to an earlier request
    if (nlh->nlmsg_type == NLMSG_ERROR) {
      if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(nlmsgerr)) return make_error("generic netlink: truncated ack");
      scan.ack_errno = -static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh))->error;
    } else if (nlh->nlmsg_type != NLMSG_DONE && nlh->nlmsg_type != NLMSG_NOOP) {
      scan.has_data = true;
    }
  }
  if (remaining != 0) return make_error("generic netlink: malformed reply (" + std::to_string(remaining) + " stray bytes)");
  return scan;
}

Result<std::unique_ptr<SeqGenlTransport>> SeqGenlTransport::open() {
  mnl_socket* socket = mnl_socket_open(NETLINK_GENERIC);
  if (socket == nullptr) return make_error(errno_text("cannot open socket"));
  timeval timeout{kReceiveTimeoutS, 0};
  if (setsockopt(mnl_socket_get_fd(socket), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) < 0 ||
      mnl_socket_bind(socket, 0, MNL_SOCKET_AUTOPID) < 0) {
    auto error = errno_text("cannot set up socket");
    mnl_socket_close(socket);
    return make_error(error);
  }
  return std::unique_ptr<SeqGenlTransport>(new SeqGenlTransport(socket));
}

SeqGenlTransport::~SeqGenlTransport() { mnl_socket_close(as_socket(socket_)); }

Result<SeqGenlTransport::Exchange> SeqGenlTransport::exchange(const Bytes& message) {
  if (message.size() < sizeof(nlmsghdr)) return make_error("generic netlink: message shorter than its header");
  const auto* header = reinterpret_cast<const nlmsghdr*>(message.data());
  const bool wants_ack = (header->nlmsg_flags & NLM_F_ACK) != 0;
  if (mnl_socket_sendto(as_socket(socket_), message.data(), message.size()) < 0) return make_error(errno_text("send"));

  Exchange out;
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  for (int i = 0; i < kMaxDatagramsPerRequest; ++i) {
    ssize_t got = mnl_socket_recvfrom(as_socket(socket_), buf.data(), buf.size());
    if (got < 0) return make_error(errno_text("receive"));
    auto scan = scan_genl_reply(buf.data(), static_cast<std::size_t>(got), header->nlmsg_seq);
    if (!scan) return scan.error();
    if (scan->has_data || scan->ack_errno) out.replies.insert(out.replies.end(), buf.begin(), buf.begin() + got);
    if (scan->ack_errno) {
      out.ack_errno = *scan->ack_errno;
      return out;
    }
    if (scan->has_data && !wants_ack) return out;
  }
  return make_error("generic netlink: no answer to request " + std::to_string(header->nlmsg_seq) + " in " +
                    std::to_string(kMaxDatagramsPerRequest) + " datagrams");
}

Result<int> SeqGenlTransport::request(const Bytes& message) {
  auto answer = exchange(message);
  if (!answer) return answer.error();
  return answer->ack_errno;
}

Result<Bytes> SeqGenlTransport::query(const Bytes& message) {
  auto answer = exchange(message);
  if (!answer) return answer.error();
  return std::move(answer->replies);
}

}  // namespace shoal
