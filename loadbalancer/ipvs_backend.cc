#include "loadbalancer/ipvs_backend.h"

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace shoal {

namespace {

mnl_socket* as_socket(void* p) { return static_cast<mnl_socket*>(p); }

// A request's answer spans a few datagrams (data, then the ack); a bound on the loop below.
constexpr int kMaxDatagramsPerRequest = 64;
// A kernel that never answers must not hang the agent's event loop for good.
constexpr int kReceiveTimeoutS = 5;

// The ack (NLMSG_ERROR) answering request `seq` in one datagram, or null.
const nlmsgerr* find_ack(const std::uint8_t* data, std::size_t size, std::uint32_t seq) {
  auto* nlh = reinterpret_cast<const nlmsghdr*>(data);
  int remaining = static_cast<int>(size);
  for (; mnl_nlmsg_ok(nlh, remaining); nlh = mnl_nlmsg_next(nlh, &remaining)) {
    if (nlh->nlmsg_type == NLMSG_ERROR && nlh->nlmsg_seq == seq &&
        nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(nlmsgerr))
      return static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  }
  return nullptr;
}

std::uint32_t seq_of(const Bytes& message) {
  return message.size() < sizeof(nlmsghdr) ? 0 : reinterpret_cast<const nlmsghdr*>(message.data())->nlmsg_seq;
}

}  // namespace

Result<std::unique_ptr<MnlGenlTransport>> MnlGenlTransport::open() {
  mnl_socket* socket = mnl_socket_open(NETLINK_GENERIC);
  if (socket == nullptr) return make_error("generic netlink: cannot open socket: " + std::string(std::strerror(errno)));
  timeval timeout{kReceiveTimeoutS, 0};
  if (::setsockopt(mnl_socket_get_fd(socket), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) < 0 ||
      mnl_socket_bind(socket, 0, MNL_SOCKET_AUTOPID) < 0) {
    int err = errno;
    mnl_socket_close(socket);
    return make_error("generic netlink: cannot bind: " + std::string(std::strerror(err)));
  }
  return std::unique_ptr<MnlGenlTransport>(new MnlGenlTransport(socket));
}

MnlGenlTransport::~MnlGenlTransport() { mnl_socket_close(as_socket(socket_)); }

// Every message shoal sends asks for an ack (NLM_F_ACK), and the kernel sends data replies
// (GETFAMILY's) and the ack as separate datagrams: read up to the ack carrying this request's
// sequence number, so no ack is left on the socket for the next request to take as its own
// (found by `make test-ipvs`: every answer was the previous request's).
Result<Bytes> MnlGenlTransport::query(const Bytes& message) {
  if (mnl_socket_sendto(as_socket(socket_), message.data(), message.size()) < 0)
    return make_error("generic netlink: send: " + std::string(std::strerror(errno)));
  const std::uint32_t seq = seq_of(message);
  Bytes replies;
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  for (int i = 0; i < kMaxDatagramsPerRequest; ++i) {
    ssize_t got = mnl_socket_recvfrom(as_socket(socket_), buf.data(), buf.size());
    if (got < 0) return make_error("generic netlink: receive: " + std::string(std::strerror(errno)));
    replies.insert(replies.end(), buf.begin(), buf.begin() + got);
    if (find_ack(buf.data(), static_cast<std::size_t>(got), seq) != nullptr) return replies;
  }
  return make_error("generic netlink: no ack for request " + std::to_string(seq));
}

Result<int> MnlGenlTransport::request(const Bytes& message) {
  auto reply = query(message);
  if (!reply) return reply.error();
  if (const nlmsgerr* ack = find_ack(reply->data(), reply->size(), seq_of(message))) return -ack->error;
  return make_error("generic netlink: no ack in the reply");
}

Result<std::unique_ptr<IpvsBackend>> IpvsBackend::open(std::unique_ptr<GenlTransport> transport,
                                                       const LbConfig& config) {
  auto reply = transport->query(genl_get_family(1, "IPVS"));
  if (!reply) return reply.error();
  auto family = parse_family_reply(reply->data(), reply->size());
  if (!family)
    return make_error("IPVS is not available in this kernel (" + family.message() +
                      "); load ip_vs (modprobe ip_vs) or use the nftables backend");
  return std::make_unique<IpvsBackend>(std::move(transport), *family, config);
}

IpvsBackend::IpvsBackend(std::unique_ptr<GenlTransport> transport, std::uint16_t family,
                         const LbConfig& config)
    : transport_(std::move(transport)), family_(family) {
  params_.scheduler = config.ipvs_scheduler;
  params_.flags = (config.ipvs_scheduler == "mh" && config.ipvs_mh_port) ? kIpvsMhPortFlag : 0;
  catch_all_persistence_s_ = std::max<std::uint32_t>(1, config.ipvs_catch_all_persistence_s);
}

Status IpvsBackend::send(const Bytes& message, const std::string& what, bool tolerate_absent) {
  auto err = transport_->request(message);
  if (!err) return err.error();
  if (*err == 0) return {};
  // ESRCH: service unknown; ENOENT: destination unknown. Deleting what is gone is success.
  if (tolerate_absent && (*err == ESRCH || *err == ENOENT)) return {};
  return make_error(what + ": " + std::strerror(*err));
}

Status IpvsBackend::add_service(const ServiceKey& key) {
  IpvsServiceParams params = params_;
  if (key.catch_all()) {  // every port of the VIP (lb_config.h)
    params.flags |= kIpvsPersistentFlag;
    params.timeout_s = catch_all_persistence_s_;
  }
  auto err = transport_->request(ipvs_new_service(family_, seq_++, key, params));
  if (!err) return err.error();
  if (*err == ENOENT && params_.scheduler != "rr") {
    // The scheduler's module is missing (kernel < 4.18 has no mh): fall back to rr for good.
    params_.scheduler = "rr";
    params_.flags = 0;
    return add_service(key);
  }
  if (*err == 0 || *err == EEXIST) return {};
  return make_error("add service " + to_string(key) + ": " + std::strerror(*err));
}

Status IpvsBackend::reset() { return send(ipvs_flush(family_, seq_++), "flush", false); }

namespace {

// IPVS services are per protocol: a catch-all key (protocol kAny) is one service per protocol
// IPVS balances for it, tcp and udp.
std::vector<ServiceKey> ipvs_keys(const ServiceKey& key) {
  if (key.protocol != Protocol::kAny) return {key};
  return {ServiceKey{key.vip, Protocol::kTcp, key.port}, ServiceKey{key.vip, Protocol::kUdp, key.port}};
}

}  // namespace

Status IpvsBackend::apply_one(const LbOp& op, const ServiceKey& key) {
  if (std::holds_alternative<AddService>(op)) return add_service(key);
  if (std::holds_alternative<DelService>(op))
    return send(ipvs_del_service(family_, seq_++, key), "delete service " + to_string(key), true);
  if (auto* o = std::get_if<AddBackend>(&op))
    return send(ipvs_new_dest(family_, seq_++, key, o->backend, 1),
                "add backend " + to_string(o->backend) + " to " + to_string(key), false);
  const auto& del = std::get<DelBackend>(op);
  return send(ipvs_del_dest(family_, seq_++, key, del.backend),
              "delete backend " + to_string(del.backend) + " of " + to_string(key), true);
}

Status IpvsBackend::apply(const std::vector<LbOp>& ops) {
  for (const auto& op : ops) {
    const ServiceKey& key = std::visit([](const auto& o) -> const ServiceKey& { return o.key; }, op);
    for (const auto& k : ipvs_keys(key))
      if (auto st = apply_one(op, k); !st) return st;
  }
  return {};
}

}  // namespace shoal
