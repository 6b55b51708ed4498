// nftables load balancing for real, inside namespaces these tests make (busybox httpd backends
// that answer with their own name), programmed over nf_tables netlink (no `nft` process; the
// tests use `nft list` only to read back what the kernel holds):
//  - VIP 10.96.0.5:80 -> three backends: 30 requests reach all three; removing one (a few map
//    elements) stops traffic to it.
//  - A catch-all service (port 0) on the VIP forwards any other port, keeping the port.
//  - A transaction the kernel refuses changes nothing, in the kernel or in the model.
//  - Routing mesh: a client outside the cluster calls node A's underlay address on a published
//    port and is answered by a task behind node B, reached over a routed "overlay" link.
// Skip when not root or busybox is missing.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "loadbalancer/lb_backend.h"
#include "loadbalancer/nft_backend.h"
#include "tests/overlay/netns_fixture.h"

namespace shoal {

using testing::Netns;
using testing::sh;

namespace {

// Moves this thread into a namespace for its lifetime, and back.
class EnterNetns {
 public:
  explicit EnterNetns(const std::string& path) {
    home_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int target = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ok_ = home_ >= 0 && target >= 0 && ::setns(target, CLONE_NEWNET) == 0;
    if (target >= 0) ::close(target);
  }
  ~EnterNetns() {
    if (ok_) SHOAL_ASSERT(::setns(home_, CLONE_NEWNET) == 0);
    if (home_ >= 0) ::close(home_);
  }
  bool ok() const { return ok_; }

 private:
  int home_ = -1;
  bool ok_ = false;
};

// UDP server and client (busybox has no UDP server; python3 runs the test suite anyway): the
// server answers every datagram on port 9000 with its name; the client sends N datagrams from
// fresh sockets (new source ports, so new flows) and prints each answer, or "timeout".
constexpr const char* kUdpServer =
    "import socket, sys\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.bind(('0.0.0.0', 9000))\n"
    "while True:\n"
    "    d, a = s.recvfrom(64)\n"
    "    s.sendto(sys.argv[1].encode(), a)\n";
constexpr const char* kUdpClient =
    "import socket, sys\n"
    "for i in range(int(sys.argv[2])):\n"
    "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "    s.settimeout(2)\n"
    "    s.sendto(b'x', (sys.argv[1], 9000))\n"
    "    try:\n"
    "        print(s.recvfrom(64)[0].decode())\n"
    "    except OSError:\n"
    "        print('timeout')\n"
    "    s.close()\n";

std::map<std::string, int> udp_hits(const Netns& client, const std::string& script, const std::string& ip, int n) {
  std::string out = testing::sh_output(client.exec("python3 " + script + " " + ip + " " + std::to_string(n)));
  std::map<std::string, int> count;
  std::size_t start = 0;
  for (std::size_t end; (end = out.find('\n', start)) != std::string::npos; start = end + 1)
    if (end > start) ++count[out.substr(start, end - start)];
  return count;
}

std::map<std::string, int> hits(const Netns& client, const std::string& url, int requests, int timeout_s = 5) {
  std::string out = testing::sh_output(client.exec(
      "sh -c 'for i in $(seq " + std::to_string(requests) + "); do timeout " + std::to_string(timeout_s) +
      " busybox wget -q -O - " + url +
      "; echo; done'"));
  std::map<std::string, int> count;
  std::size_t start = 0;
  for (std::size_t end; (end = out.find('\n', start)) != std::string::npos; start = end + 1)
    if (end > start) ++count[out.substr(start, end - start)];
  return count;
}

}  // namespace

TEST(NftablesE2E, VipBalancesAcrossBackendsAndFollowsChanges) {
  if (auto why = testing::netns_unavailable(); !why.empty()) GTEST_SKIP() << why;
  if (sh("command -v busybox") != 0)
    GTEST_SKIP() << "needs busybox (busybox-static) for httpd and wget";
  auto tmp = std::filesystem::temp_directory_path() / ("shoal-nft-e2e-" + std::to_string(::getpid()));
  std::filesystem::create_directories(tmp);
  struct RemoveDir {
    std::filesystem::path p;
    ~RemoveDir() { std::filesystem::remove_all(p); }
  } cleanup{tmp};

  Netns lb("shoal-lb");
  ASSERT_TRUE(lb.ok());
  ASSERT_EQ(lb.run("ip link add br0 type bridge"), 0);
  ASSERT_EQ(lb.run("ip addr add 10.77.0.1/24 dev br0"), 0);
  ASSERT_EQ(lb.run("ip link set br0 up"), 0);
  ASSERT_EQ(lb.run("ip route add 10.96.0.0/16 dev br0"), 0);  // clients need a route to VIPs

  const bool have_python = sh("command -v python3") == 0;
  std::ofstream(tmp / "udp_server.py") << kUdpServer;
  std::ofstream(tmp / "udp_client.py") << kUdpClient;
  std::vector<std::unique_ptr<Netns>> backends;
  LbState desired;
  ServiceKey web{Ipv4{0x0A600005}, Protocol::kTcp, 80};
  for (int i = 1; i <= 3; ++i) {
    auto ns = std::make_unique<Netns>("shoal-be" + std::to_string(i));
    ASSERT_TRUE(ns->ok());
    std::string ip = "10.77.0." + std::to_string(10 + i);
    std::string host_if = "vbe" + std::to_string(i) + "-" + std::to_string(::getpid() % 10000);
    ASSERT_EQ(sh("ip link add " + host_if + " netns " + lb.name() + " type veth peer name eth0 netns " + ns->name()), 0);
    ASSERT_EQ(lb.run("ip link set " + host_if + " master br0 up"), 0);
    ASSERT_EQ(ns->run("ip addr add " + ip + "/24 dev eth0"), 0);
    ASSERT_EQ(ns->run("ip link set eth0 up"), 0);
    auto dir = tmp / ("be" + std::to_string(i));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "index.html") << "backend-" << i;
    ASSERT_EQ(ns->run("busybox httpd -p 8080 -h " + dir.string()), 0);  // daemonizes
    // A UDP responder on 9000 answering its name (busybox has no UDP server; python3 runs the
    // test suite anyway), for the catch-all's every-protocol check.
    if (have_python)
      ASSERT_EQ(ns->run("sh -c 'python3 " + (tmp / "udp_server.py").string() + " backend-" + std::to_string(i) +
                        " >/dev/null 2>&1 &'"), 0);
    desired[web].insert(Backend{*parse_ipv4(ip), 8080});
    backends.push_back(std::move(ns));
  }

  EnterNetns inside(lb.path());
  ASSERT_TRUE(inside.ok());
  auto backend = NftablesBackend::open(LbConfig{});
  ASSERT_TRUE(backend.ok()) << backend.message();
  LoadBalancer balancer(**backend);
  auto st = balancer.sync(desired);
  ASSERT_TRUE(st.ok()) << st.message();

  // What the kernel holds, as nft decodes it: proof our netlink encodings mean what we intend.
  if (sh("command -v nft") == 0) {
    auto listing = testing::sh_output(lb.exec("nft list table ip shoal"));
    EXPECT_NE(listing.find("ip daddr . meta l4proto . th dport vmap @services"), std::string::npos) << listing;
    EXPECT_NE(listing.find("dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 3 map @backends"),
              std::string::npos) << listing;
    EXPECT_NE(listing.find("10.96.0.5 . tcp . 80 : goto pick_3"), std::string::npos) << listing;
    EXPECT_NE(listing.find("oifname \"shoal-vx\" ip saddr != 10.200.0.0/16 masquerade"), std::string::npos)
        << listing;
  }

  auto seen = hits(lb, "http://10.96.0.5/", 30);
  int total = 0;
  for (const auto& [who, n] : seen) total += n;
  EXPECT_EQ(total, 30) << "some requests to the VIP failed";
  EXPECT_EQ(seen.size(), 3u) << "not every backend answered";
  for (int i = 1; i <= 3; ++i) EXPECT_GT(seen["backend-" + std::to_string(i)], 0) << i;

  // A catch-all service on the same VIP (port 0: every other port, as swarm's VIPs forward
  // any port): requests to VIP:8080 reach the backends on 8080, the packet keeps its port;
  // port 80 still goes through its own service.
  ServiceKey web_any{web.vip, Protocol::kAny, 0};
  for (const auto& b : desired[web]) desired[web_any].insert(Backend{b.ip, 0});
  st = balancer.sync(desired);
  ASSERT_TRUE(st.ok()) << st.message();
  if (sh("command -v nft") == 0) {
    auto listing = testing::sh_output(lb.exec("nft list table ip shoal"));
    // nft prints the constant protocol . port as "0x0 [invalid type]": it lacks the type nft
    // itself would record in the rule's userdata; the kernel compares bytes only.
    EXPECT_NE(listing.find("ip daddr . 0x0 [invalid type] vmap @services"), std::string::npos) << listing;
    EXPECT_NE(listing.find("goto anypick_3"), std::string::npos) << listing;
  }
  seen = hits(lb, "http://10.96.0.5:8080/", 30);
  total = 0;
  for (const auto& [who, n] : seen) total += n;
  EXPECT_EQ(total, 30) << "some requests to VIP:8080 (catch-all) failed";
  EXPECT_EQ(seen.size(), 3u) << "not every backend answered on the catch-all";
  EXPECT_TRUE(hits(lb, "http://10.96.0.5:8081/", 1, 2).empty()) << "no backend listens on 8081";
  if (have_python) {  // every protocol: UDP to VIP:9000 reaches the backends' port 9000
    auto udp = udp_hits(lb, (tmp / "udp_client.py").string(), "10.96.0.5", 30);
    EXPECT_EQ(udp.count("timeout"), 0u) << "some datagrams to VIP:9000 got no answer";
    EXPECT_EQ(udp.size(), 3u) << "not every backend answered UDP through the catch-all";
  }
  desired.erase(web_any);
  ASSERT_TRUE(balancer.sync(desired).ok());
  EXPECT_TRUE(hits(lb, "http://10.96.0.5:8080/", 1, 2).empty()) << "the catch-all is gone";

  // One endpoint goes: the last backend moves into its slot, the last slot goes, the service
  // element now says pick_2 (made at reset): map elements only, no rule touched.
  desired[web].erase(Backend{*parse_ipv4("10.77.0.12"), 8080});
  st = balancer.sync(desired);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(balancer.last_op_count(), 1u);
  EXPECT_EQ((*backend)->last_changes().element_count(), 5u);
  EXPECT_TRUE((*backend)->last_changes().new_pick_chains.empty());
  seen = hits(lb, "http://10.96.0.5/", 20);
  EXPECT_EQ(seen.count("backend-2"), 0u);
  EXPECT_EQ(seen["backend-1"] + seen["backend-3"], 20);

  // Service gone: nothing of ours but the empty skeleton remains.
  ASSERT_TRUE(balancer.sync({}).ok());
  EXPECT_TRUE(hits(lb, "http://10.96.0.5/", 1).empty());
  ASSERT_TRUE((*backend)->remove_table().ok());
  EXPECT_NE(lb.run("nft list table ip shoal"), 0) << "the table should be gone";
}

TEST(NftablesE2E, ARefusedTransactionChangesNothing) {
  if (auto why = testing::netns_unavailable(); !why.empty()) GTEST_SKIP() << why;
  if (sh("command -v nft") != 0) GTEST_SKIP() << "needs nft to tamper with the table behind our back";
  Netns ns("shoal-nftx");
  ASSERT_TRUE(ns.ok());
  EnterNetns inside(ns.path());
  ASSERT_TRUE(inside.ok());
  auto backend = NftablesBackend::open(LbConfig{});
  ASSERT_TRUE(backend.ok()) << backend.message();
  ServiceKey web{Ipv4{0x0A600005}, Protocol::kTcp, 80};
  Backend b1{*parse_ipv4("10.200.1.1"), 8080}, b2{*parse_ipv4("10.200.1.2"), 8080}, b3{*parse_ipv4("10.200.1.3"), 8080};
  { auto r = (*backend)->reset(); ASSERT_TRUE(r.ok()) << r.message(); }
  auto st = (*backend)->apply({AddService{web}, AddBackend{web, b1}, AddBackend{web, b2}});
  ASSERT_TRUE(st.ok()) << st.message();

  // Someone deletes slot 1 behind our back; our next batch deletes it too, so the kernel
  // refuses the whole batch, including the unrelated new backend.
  ASSERT_EQ(ns.run("nft delete element ip shoal backends '{ 10.96.0.5 . tcp . 80 . 0x00000001 }'"), 0);
  st = (*backend)->apply({DelBackend{web, b2}, AddBackend{web, b3}});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("delete elements"), std::string::npos) << st.message();
  EXPECT_EQ(*(*backend)->ruleset().slots(web), (std::vector<Backend>{b1, b2})) << "the model rolled back";
  auto listing = testing::sh_output(ns.exec("nft list table ip shoal"));
  EXPECT_EQ(listing.find("10.200.1.3"), std::string::npos) << listing;
  EXPECT_NE(listing.find("goto pick_2"), std::string::npos) << listing;

  // A reset (what LoadBalancer does after a failure) starts clean and programs again.
  ASSERT_TRUE((*backend)->reset().ok());
  st = (*backend)->apply({AddService{web}, AddBackend{web, b1}, AddBackend{web, b3}});
  ASSERT_TRUE(st.ok()) << st.message();
  listing = testing::sh_output(ns.exec("nft list table ip shoal"));
  EXPECT_NE(listing.find("10.200.1.3"), std::string::npos) << listing;
  EXPECT_EQ(listing.find("10.200.1.2"), std::string::npos) << listing;
}

TEST(NftablesE2E, JhashSelectorIsAcceptedAndReadsBackAsNftWritesIt) {
  if (auto why = testing::netns_unavailable(); !why.empty()) GTEST_SKIP() << why;
  if (sh("command -v nft") != 0) GTEST_SKIP() << "needs nft to read the table back";
  Netns ns("shoal-nftj");
  ASSERT_TRUE(ns.ok());
  EnterNetns inside(ns.path());
  ASSERT_TRUE(inside.ok());
  LbConfig config;
  config.nft_selector = NftSelector::kJhash;
  auto backend = NftablesBackend::open(config);
  ASSERT_TRUE(backend.ok()) << backend.message();
  ServiceKey dns{Ipv4{0x0A600006}, Protocol::kUdp, 53};
  ASSERT_TRUE((*backend)->reset().ok());
  auto st = (*backend)->apply({AddService{dns}, AddBackend{dns, Backend{*parse_ipv4("10.200.1.1"), 53}},
                               AddBackend{dns, Backend{*parse_ipv4("10.200.1.2"), 53}}});
  ASSERT_TRUE(st.ok()) << st.message();
  auto listing = testing::sh_output(ns.exec("nft list table ip shoal"));
  EXPECT_NE(listing.find("dnat ip to ip daddr . meta l4proto . th dport . jhash ip saddr . th sport mod 2 seed "
                         "0x5e0a1 map @backends"),
            std::string::npos) << listing;
  EXPECT_NE(listing.find("10.96.0.6 . udp . 53 : goto pick_2"), std::string::npos) << listing;
}

// Routing mesh, kept small but real:
//   client 10.77.1.2 --underlay-- 10.77.1.1 node A 10.200.0.1 --"shoal-vx"-- 10.200.0.2 node B
//   node B 10.200.1.1 -- 10.200.1.10 task (busybox httpd :8080)
// Node A publishes 10.77.1.1:8081 -> 10.200.1.10:8080. Node B has no route to the client, as
// a real peer's underlay does not lead back through node A: the reply returns only because
// node A masquerades what it forwards into the overlay.
TEST(NftablesE2E, PublishedPortAnswersFromATaskOnAnotherNode) {
  if (auto why = testing::netns_unavailable(); !why.empty()) GTEST_SKIP() << why;
  if (sh("command -v busybox") != 0) GTEST_SKIP() << "needs busybox (busybox-static) for httpd and wget";
  auto tmp = std::filesystem::temp_directory_path() / ("shoal-nft-mesh-" + std::to_string(::getpid()));
  std::filesystem::create_directories(tmp);
  struct RemoveDir {
    std::filesystem::path p;
    ~RemoveDir() { std::filesystem::remove_all(p); }
  } cleanup{tmp};
  std::ofstream(tmp / "index.html") << "task-on-b";

  Netns client("shoal-mc"), node_a("shoal-ma"), node_b("shoal-mb"), task("shoal-mt");
  ASSERT_TRUE(client.ok() && node_a.ok() && node_b.ok() && task.ok());
  ASSERT_TRUE(testing::link_namespaces(client, "10.77.1.2/24", node_a, "10.77.1.1/24", "u" + std::to_string(::getpid() % 10000)));
  ASSERT_EQ(sh("ip link add shoal-vx netns " + node_a.name() + " type veth peer name ovl0 netns " + node_b.name()), 0);
  ASSERT_EQ(node_a.run("ip addr add 10.200.0.1/30 dev shoal-vx"), 0);
  ASSERT_EQ(node_a.run("ip link set shoal-vx up"), 0);
  ASSERT_EQ(node_b.run("ip addr add 10.200.0.2/30 dev ovl0"), 0);
  ASSERT_EQ(node_b.run("ip link set ovl0 up"), 0);
  ASSERT_TRUE(testing::link_namespaces(node_b, "10.200.1.1/24", task, "10.200.1.10/24", "t" + std::to_string(::getpid() % 10000)));
  ASSERT_EQ(task.run("ip route add default via 10.200.1.1"), 0);
  ASSERT_EQ(node_a.run("ip route add 10.200.1.0/24 via 10.200.0.2"), 0);
  ASSERT_EQ(node_a.run("sysctl -qw net.ipv4.ip_forward=1"), 0);
  ASSERT_EQ(node_b.run("sysctl -qw net.ipv4.ip_forward=1"), 0);
  ASSERT_NE(node_b.run("ip route get 10.77.1.2"), 0) << "node B must have no way back to the client";
  ASSERT_EQ(task.run("busybox httpd -p 8080 -h " + tmp.string()), 0);

  EnterNetns inside(node_a.path());
  ASSERT_TRUE(inside.ok());
  LbState desired{{ServiceKey{*parse_ipv4("10.77.1.1"), Protocol::kTcp, 8081}, {Backend{*parse_ipv4("10.200.1.10"), 8080}}}};
  const std::string url = "http://10.77.1.1:8081/";

  // Without the masquerade rule (no overlay device configured), replies are lost at node B.
  LbConfig bare;
  bare.overlay_ifname.clear();
  {
    auto backend = NftablesBackend::open(bare);
    ASSERT_TRUE(backend.ok()) << backend.message();
    LoadBalancer balancer(**backend);
    ASSERT_TRUE(balancer.sync(desired).ok());
    EXPECT_TRUE(hits(client, url, 1, 2).empty()) << "answered without masquerade: the test proves nothing";
  }

  auto backend = NftablesBackend::open(LbConfig{});
  ASSERT_TRUE(backend.ok()) << backend.message();
  LoadBalancer balancer(**backend);
  auto st = balancer.sync(desired);
  ASSERT_TRUE(st.ok()) << st.message();
  auto seen = hits(client, url, 5);
  EXPECT_EQ(seen["task-on-b"], 5) << "from outside, through prerouting DNAT and the overlay";
  seen = hits(node_a, url, 3);
  EXPECT_EQ(seen["task-on-b"], 3) << "from node A itself, through output DNAT";
  ASSERT_TRUE((*backend)->remove_table().ok());
}

}  // namespace shoal
