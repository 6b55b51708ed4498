#include "overlay/mnl_netlink.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace shoal {

namespace {

constexpr std::size_t kMaxNameBytes = IFNAMSIZ - 1;  // 15: the kernel's limit for link names

Status check_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes)
    return make_error("link name '" + std::string(name) + "' must be 1..15 bytes");
  return {};
}

std::string errno_text(int err) { return std::strerror(err); }

void put_ipv4(nlmsghdr* nlh, std::uint16_t type, Ipv4 ip) {
  auto bytes = ip.bytes();
  mnl_attr_put(nlh, type, bytes.size(), bytes.data());
}

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string to_string(const MacAddr& mac) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac.bytes[0], mac.bytes[1],
                mac.bytes[2], mac.bytes[3], mac.bytes[4], mac.bytes[5]);
  return text;
}

MnlNetlink::MnlNetlink(mnl_socket* socket)
    : socket_(socket), portid_(mnl_socket_get_portid(socket)), seq_(1),
      buffer_(MNL_SOCKET_BUFFER_SIZE) {}

MnlNetlink::~MnlNetlink() { mnl_socket_close(socket_); }

Result<std::unique_ptr<MnlNetlink>> MnlNetlink::open() {
  mnl_socket* socket = mnl_socket_open(NETLINK_ROUTE);
  if (socket == nullptr) return make_error("rtnetlink: cannot open socket: " + errno_text(errno));
  if (mnl_socket_bind(socket, 0, MNL_SOCKET_AUTOPID) < 0) {
    int err = errno;
    mnl_socket_close(socket);
    return make_error("rtnetlink: cannot bind socket: " + errno_text(err));
  }
  return std::unique_ptr<MnlNetlink>(new MnlNetlink(socket));
}

Result<std::unique_ptr<MnlNetlink>> MnlNetlink::open_in_netns(const std::string& netns_path) {
  FdCloser target{::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (target.fd < 0)
    return make_error("netns '" + netns_path + "': cannot open: " + errno_text(errno));
  FdCloser home{::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)};
  if (home.fd < 0) return make_error("cannot open own netns: " + errno_text(errno));
  if (::setns(target.fd, CLONE_NEWNET) != 0)
    return make_error("netns '" + netns_path + "': cannot enter: " + errno_text(errno));
  auto opened = open();
  // Going home must work (we came from there); failing would leave this thread in the wrong
  // namespace, a broken invariant.
  SHOAL_ASSERT(::setns(home.fd, CLONE_NEWNET) == 0);
  return opened;
}

Status MnlNetlink::transact(nlmsghdr* request, const std::string& what, std::vector<int> tolerated,
                            std::uint32_t* index_out) {
  request->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  request->nlmsg_seq = seq_++;
  if (mnl_socket_sendto(socket_, request, request->nlmsg_len) < 0)
    return make_error(what + ": send: " + errno_text(errno));
  for (;;) {
    ssize_t got = mnl_socket_recvfrom(socket_, buffer_.data(), buffer_.size());
    if (got < 0) return make_error(what + ": receive: " + errno_text(errno));
    auto on_message = [](const nlmsghdr* nlh, void* data) -> int {
      if (nlh->nlmsg_type == RTM_NEWLINK) {
        auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
        if (data != nullptr) *static_cast<std::uint32_t*>(data) = static_cast<std::uint32_t>(ifi->ifi_index);
      }
      return MNL_CB_OK;
    };
    errno = 0;
    int rc = mnl_cb_run(buffer_.data(), static_cast<std::size_t>(got), request->nlmsg_seq, portid_,
                        on_message, index_out);
    if (rc == MNL_CB_STOP) return {};  // the ack (error 0)
    if (rc == MNL_CB_ERROR) {
      int err = errno;
      if (std::find(tolerated.begin(), tolerated.end(), err) != tolerated.end()) return {};
      return make_error(what + ": " + errno_text(err));
    }
    // MNL_CB_OK: a data message (GETLINK reply) came first; the ack follows.
  }
}

Result<std::uint32_t> MnlNetlink::link_index(std::string_view name) {
  if (auto ok = check_name(name); !ok) return ok.error();
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_GETLINK;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, std::string(name).c_str());
  std::uint32_t index = 0;
  auto st = transact(nlh, "link '" + std::string(name) + "'", {}, &index);
  if (!st) return st.error();
  if (index == 0) return make_error("link '" + std::string(name) + "': not found");
  return index;
}

Status MnlNetlink::link_request(std::uint16_t type, std::uint16_t flags, const std::string& what,
                                std::uint32_t index, std::string_view name, std::string_view kind,
                                std::uint32_t mtu, const VxlanSpec* vxlan,
                                std::string_view veth_peer) {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = static_cast<int>(index);
  if (!name.empty()) mnl_attr_put_strz(nlh, IFLA_IFNAME, std::string(name).c_str());
  if (mtu != 0) mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  if (vxlan != nullptr && vxlan->mac) mnl_attr_put(nlh, IFLA_ADDRESS, 6, vxlan->mac->bytes.data());
  if (!kind.empty()) {
    nlattr* linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, std::string(kind).c_str());
    if (vxlan != nullptr) {
      nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
      mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, vxlan->vni);
      put_ipv4(nlh, IFLA_VXLAN_LOCAL, vxlan->local);
      mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(vxlan->dstport));
      mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, 0);  // nolearning: the FDB is ours to program
      mnl_attr_nest_end(nlh, data);
    }
    if (!veth_peer.empty()) {
      nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
      nlattr* peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
      mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg));  // the peer's own (zeroed) ifinfomsg
      mnl_attr_put_strz(nlh, IFLA_IFNAME, std::string(veth_peer).c_str());
      if (mtu != 0) mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
      mnl_attr_nest_end(nlh, peer);
      mnl_attr_nest_end(nlh, data);
    }
    mnl_attr_nest_end(nlh, linkinfo);
  }
  return transact(nlh, what);
}

Status MnlNetlink::create_vxlan(const VxlanSpec& spec) {
  if (auto ok = check_name(spec.name); !ok) return ok;
  if (spec.vni == 0 || spec.vni > 0xFFFFFF) return make_error("vxlan: VNI must be 1..16777215");
  return link_request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, "create vxlan '" + spec.name + "'",
                      0, spec.name, "vxlan", spec.mtu, &spec, {});
}

Status MnlNetlink::create_bridge(std::string_view name, std::uint32_t mtu) {
  if (auto ok = check_name(name); !ok) return ok;
  return link_request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
                      "create bridge '" + std::string(name) + "'", 0, name, "bridge", mtu, nullptr, {});
}

Status MnlNetlink::create_veth(std::string_view name, std::string_view peer_name, std::uint32_t mtu) {
  if (auto ok = check_name(name); !ok) return ok;
  if (auto ok = check_name(peer_name); !ok) return ok;
  return link_request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
                      "create veth '" + std::string(name) + "'", 0, name, "veth", mtu, nullptr,
                      peer_name);
}

Status MnlNetlink::delete_link(std::string_view name) {
  auto index = link_index(name);
  if (!index) return {};  // absent: nothing to delete
  return link_request(RTM_DELLINK, 0, "delete link '" + std::string(name) + "'", *index, {}, {}, 0,
                      nullptr, {});
}

Status MnlNetlink::set_master(std::string_view name, std::string_view master) {
  auto index = link_index(name);
  if (!index) return index.error();
  auto master_index = link_index(master);
  if (!master_index) return master_index.error();
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_NEWLINK;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_index = static_cast<int>(*index);
  mnl_attr_put_u32(nlh, IFLA_MASTER, *master_index);
  return transact(nlh, "set master of '" + std::string(name) + "'");
}

Status MnlNetlink::set_up(std::string_view name) {
  auto index = link_index(name);
  if (!index) return index.error();
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_NEWLINK;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_index = static_cast<int>(*index);
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  return transact(nlh, "set '" + std::string(name) + "' up");
}

Status MnlNetlink::rename_link(std::string_view name, std::string_view new_name) {
  if (auto ok = check_name(new_name); !ok) return ok;
  auto index = link_index(name);
  if (!index) return index.error();
  return link_request(RTM_NEWLINK, 0, "rename '" + std::string(name) + "'", *index, new_name, {}, 0,
                      nullptr, {});
}

Status MnlNetlink::move_to_netns(std::string_view name, int netns_fd) {
  auto index = link_index(name);
  if (!index) return index.error();
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_NEWLINK;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_index = static_cast<int>(*index);
  mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, static_cast<std::uint32_t>(netns_fd));
  return transact(nlh, "move '" + std::string(name) + "' to netns");
}

Status MnlNetlink::add_address(std::string_view dev, Ipv4 addr, std::uint8_t prefix_length) {
  if (prefix_length > 32) return make_error("address prefix length must be 0..32");
  auto index = link_index(dev);
  if (!index) return index.error();
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_NEWADDR;
  nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = prefix_length;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = *index;
  put_ipv4(nlh, IFA_LOCAL, addr);
  put_ipv4(nlh, IFA_ADDRESS, addr);
  return transact(nlh, "add address " + to_string(addr) + " to '" + std::string(dev) + "'");
}

Status MnlNetlink::delete_address(std::string_view dev, Ipv4 addr, std::uint8_t prefix_length) {
  if (prefix_length > 32) return make_error("address prefix length must be 0..32");
  auto index = link_index(dev);
  if (!index) return {};  // the device went, and its addresses with it
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_DELADDR;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = prefix_length;
  ifa->ifa_index = *index;
  put_ipv4(nlh, IFA_LOCAL, addr);
  // EADDRNOTAVAIL: no such address (already gone), which is what we wanted.
  return transact(nlh, "delete address " + to_string(addr) + " from '" + std::string(dev) + "'", {EADDRNOTAVAIL});
}

Status MnlNetlink::route_request(std::uint16_t type, std::uint16_t flags, const Route& route) {
  auto index = link_index(route.dev);
  if (!index) {
    if (type == RTM_DELROUTE) return {};  // the device went, and its routes with it
    return index.error();
  }
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = AF_INET;
  rtm->rtm_dst_len = route.dst.length;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_STATIC;
  rtm->rtm_type = RTN_UNICAST;
  rtm->rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE
                   : route.via         ? RT_SCOPE_UNIVERSE
                                       : RT_SCOPE_LINK;
  if (route.onlink) rtm->rtm_flags |= RTNH_F_ONLINK;
  if (route.dst.length > 0) put_ipv4(nlh, RTA_DST, route.dst.addr);
  if (route.via) put_ipv4(nlh, RTA_GATEWAY, *route.via);
  mnl_attr_put_u32(nlh, RTA_OIF, *index);
  std::string what = (type == RTM_DELROUTE ? "delete route " : "replace route ") + to_string(route.dst);
  return transact(nlh, what, type == RTM_DELROUTE ? std::vector<int>{ESRCH, ENOENT} : std::vector<int>{});
}

Status MnlNetlink::replace_route(const Route& route) {
  return route_request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, route);
}

Status MnlNetlink::delete_route(const Route& route) { return route_request(RTM_DELROUTE, 0, route); }

Status MnlNetlink::neigh_request(std::uint16_t type, std::uint16_t flags, std::uint8_t family,
                                 std::string_view dev, const MacAddr* mac, Ipv4 ip,
                                 const std::string& what) {
  auto index = link_index(dev);
  if (!index) {
    if (type == RTM_DELNEIGH) return {};
    return index.error();
  }
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  auto* ndm = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  ndm->ndm_family = family;
  ndm->ndm_ifindex = static_cast<int>(*index);
  if (family == AF_BRIDGE) {
    ndm->ndm_state = NUD_NOARP | NUD_PERMANENT;
    ndm->ndm_flags = NTF_SELF;  // the VXLAN device's own FDB, not a bridge master's
  } else {
    ndm->ndm_state = NUD_PERMANENT;
  }
  if (mac != nullptr) mnl_attr_put(nlh, NDA_LLADDR, 6, mac->bytes.data());
  put_ipv4(nlh, NDA_DST, ip);
  return transact(nlh, what, type == RTM_DELNEIGH ? std::vector<int>{ENOENT, ESRCH} : std::vector<int>{});
}

Status MnlNetlink::append_fdb(std::string_view dev, const MacAddr& mac, Ipv4 dst) {
  return neigh_request(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_APPEND, AF_BRIDGE, dev, &mac, dst,
                       "fdb append " + to_string(mac) + " dst " + to_string(dst));
}

Status MnlNetlink::delete_fdb(std::string_view dev, const MacAddr& mac, Ipv4 dst) {
  return neigh_request(RTM_DELNEIGH, 0, AF_BRIDGE, dev, &mac, dst,
                       "fdb delete " + to_string(mac) + " dst " + to_string(dst));
}

Status MnlNetlink::replace_neighbour(std::string_view dev, Ipv4 ip, const MacAddr& mac) {
  return neigh_request(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, AF_INET, dev, &mac, ip,
                       "neighbour " + to_string(ip));
}

Status MnlNetlink::delete_neighbour(std::string_view dev, Ipv4 ip) {
  return neigh_request(RTM_DELNEIGH, 0, AF_INET, dev, nullptr, ip,
                       "delete neighbour " + to_string(ip));
}

}  // namespace shoal
