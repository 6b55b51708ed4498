#include "loadbalancer/nft_backend.h"

#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "loadbalancer/nft_messages.h"

namespace shoal {

namespace {

const char* message_name(int type) {
  switch (type) {
    case NFT_MSG_NEWTABLE: return "new table";
    case NFT_MSG_DELTABLE: return "delete table";
    case NFT_MSG_NEWCHAIN: return "new chain";
    case NFT_MSG_NEWSET: return "new map";
    case NFT_MSG_NEWRULE: return "new rule";
    case NFT_MSG_NEWSETELEM: return "add elements";
    case NFT_MSG_DELSETELEM: return "delete elements";
    default: return "batch";
  }
}

std::string errno_text(int err) { return std::strerror(err); }

// Bounds the reset batch (a chain and a rule each); no service needs more backends than this
// before its count's chain may as well be made on first use.
constexpr std::uint32_t kMaxPickChainsAtReset = 4096;

}  // namespace

Result<std::unique_ptr<NftablesBackend>> NftablesBackend::open(const LbConfig& config) {
  if (config.nft_table.empty() || config.nft_table.size() >= NFT_TABLE_MAXNAMELEN)
    return make_error("nftables: table name '" + config.nft_table + "' must be 1.." +
                      std::to_string(NFT_TABLE_MAXNAMELEN - 1) + " bytes");
  if (config.overlay_ifname.size() >= IFNAMSIZ)
    return make_error("nftables: overlay interface name '" + config.overlay_ifname + "' is longer than " +
                      std::to_string(IFNAMSIZ - 1) + " bytes");
  if (config.nft_pick_chains_at_reset > kMaxPickChainsAtReset)
    return make_error("nftables: nft_pick_chains_at_reset " + std::to_string(config.nft_pick_chains_at_reset) +
                      " is over " + std::to_string(kMaxPickChainsAtReset));
  mnl_socket* nl = mnl_socket_open(NETLINK_NETFILTER);
  if (nl == nullptr) return make_error("nftables: cannot open a netfilter netlink socket: " + errno_text(errno));
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
    int err = errno;
    mnl_socket_close(nl);
    return make_error("nftables: cannot bind the netlink socket: " + errno_text(err));
  }
  // Acks carry only the header of the message they answer, not the whole (up to 64 KiB) message.
  int on = 1;
  mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &on, sizeof on);
  return std::unique_ptr<NftablesBackend>(new NftablesBackend(nl, config));
}

NftablesBackend::~NftablesBackend() { mnl_socket_close(nl_); }

NftBatch NftablesBackend::new_batch() { return NftBatch(config_.nft_table, next_seq_); }

namespace {

// Asks for a socket buffer of `bytes` (send: SO_SNDBUF, receive: SO_RCVBUF); FORCE lifts the
// [wr]mem_max cap (we hold CAP_NET_ADMIN anyway to program nf_tables). The size granted.
Result<std::size_t> size_buffer(int fd, bool send, std::size_t bytes) {
  int want = static_cast<int>(std::min<std::size_t>(bytes, 1u << 30));
  if (::setsockopt(fd, SOL_SOCKET, send ? SO_SNDBUFFORCE : SO_RCVBUFFORCE, &want, sizeof want) != 0 &&
      ::setsockopt(fd, SOL_SOCKET, send ? SO_SNDBUF : SO_RCVBUF, &want, sizeof want) != 0)
    return make_error(std::string("nftables: cannot size the netlink ") + (send ? "send" : "receive") +
                      " buffer: " + errno_text(errno));
  int got = 0;
  socklen_t len = sizeof got;
  ::getsockopt(fd, SOL_SOCKET, send ? SO_SNDBUF : SO_RCVBUF, &got, &len);
  return static_cast<std::size_t>(got);
}

}  // namespace

Status NftablesBackend::grow_send_buffer(std::size_t bytes) {
  // The whole batch goes in one sendmsg (the kernel applies only a batch that arrives whole),
  // and netlink refuses a message larger than the socket's send buffer.
  if (bytes + 4096 <= send_buffer_bytes_) return {};
  auto got = size_buffer(mnl_socket_get_fd(nl_), true, bytes * 2 + 65536);
  if (!got) return got.error();
  send_buffer_bytes_ = *got;
  if (send_buffer_bytes_ < bytes + 4096)
    return make_error("nftables: a " + std::to_string(bytes) + "-byte batch exceeds the netlink send buffer (" +
                      std::to_string(*got) + " bytes; raise net.core.wmem_max)");
  return {};
}

Status NftablesBackend::grow_receive_buffer(std::size_t acks) {
  // Every ack of a batch is queued before sendmsg returns, so all must fit at once: each costs
  // a socket buffer of about 1 KiB (truesize), and the reset batch alone has 2 x 2 x
  // nft_pick_chains_at_reset + 10 messages (the default 208 KiB held 64 x 2 chains, not 64 x 4).
  std::size_t bytes = acks * 2048 + 65536;
  if (bytes <= receive_buffer_bytes_) return {};
  auto got = size_buffer(mnl_socket_get_fd(nl_), false, bytes);
  if (!got) return got.error();
  receive_buffer_bytes_ = *got;
  return {};
}

Status NftablesBackend::send(NftBatch& batch) {
  std::uint32_t first = batch.first_seq(), last = batch.last_seq() + 1;  // + the END delimiter
  std::size_t expected_acks = batch.ack_count();
  auto bytes = batch.finish();
  next_seq_ = last + 1;
  last_batch_bytes_ = bytes.size();
  if (auto st = grow_send_buffer(bytes.size()); !st) return st;
  if (auto st = grow_receive_buffer(expected_acks); !st) return st;
  if (mnl_socket_sendto(nl_, bytes.data(), bytes.size()) < 0)
    return make_error("nftables: sending the batch failed: " + errno_text(errno));

  // The kernel handles a netlink batch inside sendmsg, so every reply is queued by now: drain
  // without blocking. Each message asked for an ack; errors come as non-zero acks.
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
  std::size_t acks = 0;
  std::string failure;
  for (;;) {
    ssize_t n = ::recv(mnl_socket_get_fd(nl_), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0) return make_error("nftables: reading the kernel's replies failed: " + errno_text(errno));
    int left = static_cast<int>(n);
    for (auto* nlh = reinterpret_cast<nlmsghdr*>(buf.data()); mnl_nlmsg_ok(nlh, left);
         nlh = mnl_nlmsg_next(nlh, &left)) {
      if (nlh->nlmsg_seq < first || nlh->nlmsg_seq > last || nlh->nlmsg_type != NLMSG_ERROR) continue;
      const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
      if (err->error == 0) {
        ++acks;
      } else if (failure.empty()) {
        failure = std::string(message_name(batch.message_type(nlh->nlmsg_seq))) + ": " + errno_text(-err->error);
      }
    }
  }
  if (!failure.empty()) return make_error("nftables refused the update (nothing applied): " + failure);
  if (acks != expected_acks)
    return make_error("nftables: " + std::to_string(acks) + " of " + std::to_string(expected_acks) +
                      " messages acknowledged; the update's fate is unknown");
  return {};
}

Status NftablesBackend::reset() {
  auto batch = new_batch();
  write_nft_reset(batch, config_);
  auto st = send(batch);
  if (st) ruleset_.reset(config_.nft_pick_chains_at_reset);
  last_changes_ = {};
  return st;
}

Status NftablesBackend::apply(const std::vector<LbOp>& ops) {
  last_changes_ = ruleset_.plan(ops);
  if (last_changes_.empty()) {
    last_batch_bytes_ = 0;
    return {};
  }
  auto batch = new_batch();
  write_nft_changes(batch, config_, last_changes_);
  auto st = send(batch);
  if (!st) ruleset_.revert(last_changes_);  // the kernel rolled the transaction back; so do we
  return st;
}

Status NftablesBackend::remove_table() {
  auto batch = new_batch();
  write_nft_remove(batch);
  auto st = send(batch);
  if (st) ruleset_.reset(0);
  return st;
}

}  // namespace shoal
