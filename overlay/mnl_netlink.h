// Netlink over libmnl (rtnetlink, NETLINK_ROUTE). One socket, one request at a time, each
// acknowledged (NLM_F_ACK) so every call reports the kernel's own error. Not thread-safe; the
// agent owns one per namespace it programs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "overlay/netlink.h"

struct mnl_socket;
struct nlmsghdr;

namespace shoal {

class MnlNetlink final : public Netlink {
 public:
  // A socket in the caller's network namespace.
  static Result<std::unique_ptr<MnlNetlink>> open();
  // A socket bound to another namespace (path like /run/netns/NAME or /proc/PID/ns/net): the
  // calling thread enters it only while creating the socket, then returns to its own.
  static Result<std::unique_ptr<MnlNetlink>> open_in_netns(const std::string& netns_path);
  ~MnlNetlink() override;
  MnlNetlink(const MnlNetlink&) = delete;
  MnlNetlink& operator=(const MnlNetlink&) = delete;

  Status create_vxlan(const VxlanSpec& spec) override;
  Status create_bridge(std::string_view name, std::uint32_t mtu) override;
  Status create_veth(std::string_view name, std::string_view peer_name, std::uint32_t mtu) override;
  Status delete_link(std::string_view name) override;
  Status set_master(std::string_view name, std::string_view master) override;
  Status set_up(std::string_view name) override;
  Status rename_link(std::string_view name, std::string_view new_name) override;
  Status move_to_netns(std::string_view name, int netns_fd) override;
  Status add_address(std::string_view dev, Ipv4 addr, std::uint8_t prefix_length) override;
  Status delete_address(std::string_view dev, Ipv4 addr, std::uint8_t prefix_length) override;
  Status replace_route(const Route& route) override;
  Status delete_route(const Route& route) override;
  Status append_fdb(std::string_view dev, const MacAddr& mac, Ipv4 dst) override;
  Status delete_fdb(std::string_view dev, const MacAddr& mac, Ipv4 dst) override;
  Status replace_neighbour(std::string_view dev, Ipv4 ip, const MacAddr& mac) override;
  Status delete_neighbour(std::string_view dev, Ipv4 ip) override;

  // Interface index of `name` in this socket's namespace.
  Result<std::uint32_t> link_index(std::string_view name);

 private:
  explicit MnlNetlink(mnl_socket* socket);
  // Sends one request and waits for its ack; `what` prefixes the error message.
  // Errnos in `tolerated` count as success (e.g. ENOENT when deleting).
  Status transact(nlmsghdr* request, const std::string& what, std::vector<int> tolerated = {},
                  std::uint32_t* index_out = nullptr);
  Status link_request(std::uint16_t type, std::uint16_t flags, const std::string& what,
                      std::uint32_t index, std::string_view name, std::string_view kind,
                      std::uint32_t mtu, const VxlanSpec* vxlan, std::string_view veth_peer);
  Status route_request(std::uint16_t type, std::uint16_t flags, const Route& route);
  Status neigh_request(std::uint16_t type, std::uint16_t flags, std::uint8_t family,
                       std::string_view dev, const MacAddr* mac, Ipv4 ip, const std::string& what);

  mnl_socket* socket_;
  std::uint32_t portid_;
  std::uint32_t seq_;
  std::vector<char> buffer_;
};

}  // namespace shoal
