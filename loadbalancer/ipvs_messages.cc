#include "loadbalancer/ipvs_messages.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <sys/socket.h>

#include <cstring>

namespace shoal {

namespace {

constexpr std::size_t kMaxMessageBytes = 512;  // the largest (NEW_DEST) is 140

struct Builder {
  alignas(4) char buf[kMaxMessageBytes] = {};
  nlmsghdr* nlh;

  Builder(std::uint16_t type, std::uint32_t seq, std::uint8_t cmd, std::uint8_t version) {
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = seq;
    auto* genl = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(genlmsghdr)));
    genl->cmd = cmd;
    genl->version = version;
  }
  void addr16(std::uint16_t type, Ipv4 ip) {
    std::uint8_t addr[16] = {};  // union nf_inet_addr: IPv4 in the first 4 bytes
    auto b = ip.bytes();
    std::memcpy(addr, b.data(), 4);
    mnl_attr_put(nlh, type, sizeof addr, addr);
  }
  void be16(std::uint16_t type, std::uint16_t host_value) { mnl_attr_put_u16(nlh, type, htons(host_value)); }
  Bytes bytes() const { return Bytes(buf, buf + nlh->nlmsg_len); }
};

void put_service_key(Builder& b, const ServiceKey& key) {
  mnl_attr_put_u16(b.nlh, IPVS_SVC_ATTR_AF, AF_INET);
  mnl_attr_put_u16(b.nlh, IPVS_SVC_ATTR_PROTOCOL, static_cast<std::uint16_t>(key.protocol));
  b.addr16(IPVS_SVC_ATTR_ADDR, key.vip);
  b.be16(IPVS_SVC_ATTR_PORT, key.port);
}

void put_service_lookup(Builder& b, const ServiceKey& key) {
  nlattr* svc = mnl_attr_nest_start(b.nlh, IPVS_CMD_ATTR_SERVICE);
  put_service_key(b, key);
  mnl_attr_nest_end(b.nlh, svc);
}

}  // namespace

Bytes ipvs_new_service(std::uint16_t family, std::uint32_t seq, const ServiceKey& key,
                       const IpvsServiceParams& params) {
  SHOAL_ASSERT(params.scheduler.size() < IP_VS_SCHEDNAME_MAXLEN);
  Builder b(family, seq, IPVS_CMD_NEW_SERVICE, IPVS_GENL_VERSION);
  nlattr* svc = mnl_attr_nest_start(b.nlh, IPVS_CMD_ATTR_SERVICE);
  put_service_key(b, key);
  mnl_attr_put_strz(b.nlh, IPVS_SVC_ATTR_SCHED_NAME, params.scheduler.c_str());
  ip_vs_flags flags{params.flags, ~std::uint32_t{0}};  // mask all: set exactly these flags
  mnl_attr_put(b.nlh, IPVS_SVC_ATTR_FLAGS, sizeof flags, &flags);
  mnl_attr_put_u32(b.nlh, IPVS_SVC_ATTR_TIMEOUT, params.timeout_s);  // 0 unless persistent
  mnl_attr_put_u32(b.nlh, IPVS_SVC_ATTR_NETMASK, htonl(0xFFFFFFFF));
  mnl_attr_nest_end(b.nlh, svc);
  return b.bytes();
}

Bytes ipvs_del_service(std::uint16_t family, std::uint32_t seq, const ServiceKey& key) {
  Builder b(family, seq, IPVS_CMD_DEL_SERVICE, IPVS_GENL_VERSION);
  put_service_lookup(b, key);
  return b.bytes();
}

Bytes ipvs_new_dest(std::uint16_t family, std::uint32_t seq, const ServiceKey& key,
                    const Backend& backend, std::uint32_t weight) {
  Builder b(family, seq, IPVS_CMD_NEW_DEST, IPVS_GENL_VERSION);
  put_service_lookup(b, key);
  nlattr* dest = mnl_attr_nest_start(b.nlh, IPVS_CMD_ATTR_DEST);
  b.addr16(IPVS_DEST_ATTR_ADDR, backend.ip);
  b.be16(IPVS_DEST_ATTR_PORT, backend.port);
  mnl_attr_put_u32(b.nlh, IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_MASQ);  // NAT: backends are remote
  mnl_attr_put_u32(b.nlh, IPVS_DEST_ATTR_WEIGHT, weight);
  mnl_attr_put_u32(b.nlh, IPVS_DEST_ATTR_U_THRESH, 0);  // 0 = no connection limit
  mnl_attr_put_u32(b.nlh, IPVS_DEST_ATTR_L_THRESH, 0);
  mnl_attr_put_u16(b.nlh, IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET);
  mnl_attr_nest_end(b.nlh, dest);
  return b.bytes();
}

Bytes ipvs_del_dest(std::uint16_t family, std::uint32_t seq, const ServiceKey& key, const Backend& backend) {
  Builder b(family, seq, IPVS_CMD_DEL_DEST, IPVS_GENL_VERSION);
  put_service_lookup(b, key);
  nlattr* dest = mnl_attr_nest_start(b.nlh, IPVS_CMD_ATTR_DEST);
  b.addr16(IPVS_DEST_ATTR_ADDR, backend.ip);
  b.be16(IPVS_DEST_ATTR_PORT, backend.port);
  mnl_attr_nest_end(b.nlh, dest);
  return b.bytes();
}

Bytes ipvs_flush(std::uint16_t family, std::uint32_t seq) {
  Builder b(family, seq, IPVS_CMD_FLUSH, IPVS_GENL_VERSION);
  return b.bytes();
}

Bytes genl_get_family(std::uint32_t seq, std::string_view family_name) {
  Builder b(GENL_ID_CTRL, seq, CTRL_CMD_GETFAMILY, 1);
  mnl_attr_put_strz(b.nlh, CTRL_ATTR_FAMILY_NAME, std::string(family_name).c_str());
  return b.bytes();
}

Result<std::uint16_t> parse_family_reply(const std::uint8_t* data, std::size_t size) {
  int remaining = static_cast<int>(std::min<std::size_t>(size, 1 << 20));
  // libmnl walks const-less pointers; it does not write through them.
  auto* nlh = reinterpret_cast<const nlmsghdr*>(data);
  for (; mnl_nlmsg_ok(nlh, remaining); nlh = mnl_nlmsg_next(nlh, &remaining)) {
    if (nlh->nlmsg_type == NLMSG_ERROR) {
      if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(nlmsgerr)) return make_error("truncated netlink error");
      auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
      if (err->error == 0) continue;  // an ack
      return make_error(std::strerror(-err->error));
    }
    if (nlh->nlmsg_type != GENL_ID_CTRL || nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(genlmsghdr)) continue;
    std::uint16_t id = 0;
    auto on_attr = [](const nlattr* attr, void* out) -> int {
      if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(attr, MNL_TYPE_U16) >= 0)
        *static_cast<std::uint16_t*>(out) = mnl_attr_get_u16(attr);
      return MNL_CB_OK;
    };
    mnl_attr_parse(nlh, sizeof(genlmsghdr), on_attr, &id);
    if (id != 0) return id;
  }
  return make_error("no family id in the controller's reply");
}

}  // namespace shoal
