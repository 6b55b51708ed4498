#include "agent/dataplane.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>

#include "agent/atomic_file.h"
#include "agent/task_netns.h"
#include "common/log.h"
#include "loadbalancer/ipvs_backend.h"
#include "loadbalancer/nft_backend.h"

namespace shoal {


namespace {

// Interface names from the task id's hash: <= 15 bytes, unique per task on the host.
std::string ifname(const char* prefix, const std::string& task_id) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s%010llx", prefix, static_cast<unsigned long long>(stable_hash(task_id) & 0xFFFFFFFFFFull));
  return buf;
}
std::string host_ifname(const std::string& task_id) { return ifname("shv", task_id); }
std::string temp_ifname(const std::string& task_id) { return ifname("sht", task_id); }

// Sysctls the dataplane needs: forwarding (tasks, VIPs and the routing mesh are routed), and no
// ICMP redirects from the bridge (tasks route even same-subnet traffic via the bridge address,
// see overlay/overlay_reconciler.cc; a redirect would teach them to bypass it).
Status write_sysctl(const std::string& path, const char* value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return make_error("cannot open " + path);
  bool ok = ::write(fd, value, std::strlen(value)) == static_cast<ssize_t>(std::strlen(value));
  ::close(fd);
  return ok ? Status{} : make_error("cannot write " + path);
}

Result<std::unique_ptr<LbBackend>> open_lb(const DataplaneConfig& config) {
  auto ipvs = [&]() -> Result<std::unique_ptr<LbBackend>> {
    auto transport = MnlGenlTransport::open();
    if (!transport) return transport.error();
    auto b = IpvsBackend::open(std::move(*transport), config.lb);
    if (!b) return b.error();
    return std::unique_ptr<LbBackend>(std::move(*b));
  };
  auto nft = [&]() -> Result<std::unique_ptr<LbBackend>> {
    auto b = NftablesBackend::open(config.lb);
    if (!b) return b.error();
    return std::unique_ptr<LbBackend>(std::move(*b));
  };
  if (config.lb_kind == "ipvs") return ipvs();
  if (config.lb_kind == "nftables") return nft();
  if (config.lb_kind != "auto") return make_error("--lb: '" + config.lb_kind + "' is not auto, ipvs or nftables");
  if (auto b = ipvs(); b) return b;
  return nft();
}

}  // namespace

Dataplane::Dataplane(boost::asio::io_context& io, DataplaneConfig config, NodeId self, Ipv4 underlay)
    : io_(io), config_(std::move(config)), self_(std::move(self)), underlay_(underlay), overlay_(config_.overlay) {}

Dataplane::~Dataplane() = default;

Result<std::unique_ptr<Dataplane>> Dataplane::open(boost::asio::io_context& io, DataplaneConfig config,
                                                   NodeId self, Ipv4 underlay, std::uint64_t now_ms) {
  auto dp = std::make_unique<Dataplane>(io, std::move(config), std::move(self), underlay);
  if (auto st = make_dirs(dp->config_.state_dir + "/netns"); !st) return st.error();
  auto nl = MnlNetlink::open();
  if (!nl) return make_error("rtnetlink: " + nl.message());
  dp->netlink_ = std::move(*nl);
  auto lb = open_lb(dp->config_);
  if (!lb) return make_error("load balancer: " + lb.message());
  dp->lb_backend_ = std::move(*lb);
  dp->lb_ = std::make_unique<LoadBalancer>(*dp->lb_backend_);
  if (auto st = dp->load_claim(now_ms); !st) return st.error();
  return dp;
}

// The claim file: "<first start ms> <subnet or ->". A restarted node claims its subnet again.
Status Dataplane::load_claim(std::uint64_t now_ms) {
  std::string path = config_.state_dir + "/node";
  auto text = read_file(path);
  if (text) {
    char subnet[64] = {0};
    unsigned long long first = 0;
    if (std::sscanf(text->c_str(), "%llu %63s", &first, subnet) == 2) {
      first_start_ms_ = first;
      if (auto p = parse_prefix(subnet); p) claim_ = *p;
      return {};
    }
    log_warning("dataplane: ignoring malformed " + path);
  }
  first_start_ms_ = now_ms;
  return save_claim();
}

Status Dataplane::save_claim() const {
  return write_file_atomically(config_.state_dir + "/node",
                               std::to_string(first_start_ms_) + " " + (claim_ ? claimed_subnet() : "-") + "\n");
}

std::string Dataplane::claimed_subnet() const { return claim_ ? to_string(*claim_) : std::string(); }

bool Dataplane::apply(const NetworkView& view) {
  std::string error;
  auto note = [&](const Status& st, const char* what) {
    if (!st && error.empty()) error = std::string(what) + ": " + st.message();
  };
  bool claim_changed = false;
  auto own = view.nodes.find(self_);
  if (own != view.nodes.end() && own_subnet_ != own->second.subnet) {
    if (own_subnet_) log_info("dataplane: this node's subnet moved to " + to_string(own->second.subnet));
    if (auto st = setup_node(own->second.subnet); !st) {
      note(st, "node setup");
    } else {
      own_subnet_ = own->second.subnet;
      local_vips_.clear();  // the bridge was set up anew: add them again
    }
  }
  if (own_subnet_ && claim_ != own_subnet_) {
    claim_ = own_subnet_;
    note(save_claim(), "saving the subnet claim");
    claim_changed = true;
  }
  if (own_subnet_) {
    PeerMap peers = view.nodes;
    peers.erase(self_);
    note(overlay_.reconcile(*netlink_, peers), "overlay");
    if (std::string(lb_backend_->name()) == "ipvs") note(sync_local_vips(view), "VIP addresses");
  }
  note(lb_->sync(view.lb), "load balancer");
  dns_table_ = view.dns;
  if (error != last_error_) {
    if (!error.empty()) log_warning("dataplane: " + error + " (retried on the next change)");
    last_error_ = error;
  }
  return claim_changed;
}

// IPVS balances in LOCAL_IN: the host must own every VIP (kube-proxy's kube-ipvs0). Only the
// difference goes to the kernel: a VIP whose service is gone loses its address, and 10k
// services cost no 10k requests per change.
Status Dataplane::sync_local_vips(const NetworkView& view) {
  std::set<Ipv4> want;
  for (const auto& [name, vip] : view.vip_of) want.insert(vip);
  const std::string& br = config_.overlay.bridge_name;
  Status result;
  for (Ipv4 vip : local_vips_) {
    if (want.count(vip)) continue;
    if (auto st = netlink_->delete_address(br, vip, 32); !st && result) result = st;
  }
  std::erase_if(local_vips_, [&](Ipv4 vip) { return !want.count(vip); });
  for (Ipv4 vip : want) {
    if (local_vips_.count(vip)) continue;
    if (auto st = netlink_->add_address(br, vip, 32); !st) {
      if (result) result = st;
      continue;  // retried on the next change
    }
    local_vips_.insert(vip);
  }
  return result;
}

Status Dataplane::setup_node(const Ipv4Prefix& subnet) {
  if (auto st = overlay_.setup_node(*netlink_, underlay_, subnet); !st) return st;
  const std::string& br = config_.overlay.bridge_name;
  if (auto st = netlink_->replace_route(Route{config_.lb.vip_pool, std::nullopt, br, false}); !st) return st;
  for (const auto& [path, value] : {std::pair{std::string("/proc/sys/net/ipv4/ip_forward"), "1"},
                                    {"/proc/sys/net/ipv4/conf/all/send_redirects", "0"},
                                    {"/proc/sys/net/ipv4/conf/" + br + "/send_redirects", "0"}}) {
    if (auto st = write_sysctl(path, value); !st) return st;
  }
  // Tasks that outlived a restart: their veths lost the bridge re-created above.
  for (const auto& [id, addr] : task_address_) (void)netlink_->set_master(host_ifname(id), br);
  std::string resolv = "nameserver " + to_string(bridge_gateway(subnet)) + "\nsearch " + config_.dns.domain + "\n";
  std::string resolv_path = config_.state_dir + "/resolv.conf";
  if (auto st = write_file_atomically(resolv_path, resolv); !st) return st;
  ::chmod(resolv_path.c_str(), 0644);  // tasks may run as any user
  own_subnet_ = subnet;
  start_dns();
  return {};
}

void Dataplane::start_dns() {
  namespace ip = boost::asio::ip;
  dns_socket_.reset();
  ip::udp::socket socket(io_);
  boost::system::error_code ec;
  ip::udp::endpoint at(ip::make_address_v4(to_string(bridge_gateway(*own_subnet_)), ec), 53);
  if (!ec) socket.open(ip::udp::v4(), ec);
  if (!ec) socket.bind(at, ec);
  if (ec) {
    log_warning("dataplane: DNS responder cannot listen on " + at.address().to_string() + ":53: " + ec.message());
    return;
  }
  dns_socket_.emplace(std::move(socket));
  receive_dns();
}

void Dataplane::receive_dns() {
  dns_socket_->async_receive_from(
      boost::asio::buffer(dns_buffer_), dns_peer_, [this](boost::system::error_code ec, std::size_t n) {
        if (ec == boost::asio::error::operation_aborted || !dns_socket_) return;
        if (!ec) {
          if (auto reply = dns_answer(dns_buffer_.data(), n, dns_table_, config_.dns); reply) {
            boost::system::error_code send_ec;
            dns_socket_->send_to(boost::asio::buffer(*reply), dns_peer_, 0, send_ec);
          }
        }
        receive_dns();
      });
}

std::string Dataplane::netns_path(const std::string& task_id) const { return config_.state_dir + "/netns/" + task_id; }
std::string Dataplane::address_file(const std::string& task_id) const { return netns_path(task_id) + ".addr"; }

Result<TaskNet> Dataplane::attach_task(const std::string& task_id) {
  if (!own_subnet_) return make_error("the overlay is not set up yet (no subnet for this node)");
  std::optional<Ipv4> address;
  std::set<Ipv4> used;
  for (const auto& [id, a] : task_address_) used.insert(a);
  const std::uint32_t base = own_subnet_->addr.value;
  const std::uint32_t size = std::uint32_t{1} << (32 - own_subnet_->length);
  for (std::uint32_t host = 2; host + 1 < size && !address; ++host)  // .0 VXLAN, .1 bridge, last broadcast
    if (!used.contains(Ipv4{base + host})) address = Ipv4{base + host};
  if (!address) return make_error("no free address left in " + to_string(*own_subnet_));
  release_task(task_id);  // leftovers of an earlier attempt
  const std::string path = netns_path(task_id);
  auto fail = [&](const std::string& why) -> Result<TaskNet> {
    release_task(task_id);
    return make_error("task network: " + why);
  };
  if (auto st = create_netns(path); !st) return fail(st.message());
  TaskNetwork net{host_ifname(task_id), temp_ifname(task_id), *address, *own_subnet_};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail("cannot open " + path);
  Status host_side = attach_task_host_side(*netlink_, config_.overlay, net, fd);
  ::close(fd);
  if (!host_side) return fail(host_side.message());
  auto inside = MnlNetlink::open_in_netns(path);
  if (!inside) return fail(inside.message());
  if (auto st = configure_task_side(**inside, net); !st) return fail(st.message());
  if (auto st = write_file_atomically(address_file(task_id), to_string(*address)); !st) return fail(st.message());
  task_address_[task_id] = *address;
  return TaskNet{path, config_.state_dir + "/resolv.conf", *address};
}

void Dataplane::adopt_task(const std::string& task_id) {
  auto text = read_file(address_file(task_id));
  if (!text) return;
  auto addr = parse_ipv4(*text);
  if (!addr) return;
  task_address_[task_id] = *addr;
  if (own_subnet_) (void)netlink_->set_master(host_ifname(task_id), config_.overlay.bridge_name);
}

void Dataplane::release_task(const std::string& task_id) {
  (void)netlink_->delete_link(host_ifname(task_id));
  if (auto st = delete_netns(netns_path(task_id)); !st) log_warning("dataplane: " + st.message());
  ::unlink(address_file(task_id).c_str());
  task_address_.erase(task_id);
}

std::string Dataplane::address_of(const std::string& task_id) const {
  auto it = task_address_.find(task_id);
  return it == task_address_.end() ? std::string() : to_string(it->second);
}

void Dataplane::shutdown() {
  dns_socket_.reset();
  if (auto st = lb_backend_->reset(); !st) log_warning("dataplane: " + st.message());
  if (auto st = overlay_.teardown_node(*netlink_); !st) log_warning("dataplane: " + st.message());
  own_subnet_.reset();
}

}  // namespace shoal
