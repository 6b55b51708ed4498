// nftables load balancing for real, inside namespaces this test makes: an "lb" namespace with a
// bridge and three backend namespaces each running busybox httpd that answers with its own
// name. The library (libnftables, no `nft` process) programs VIP 10.96.0.5:80 -> the three;
// 30 requests from the lb namespace must reach all three; removing one backend (one element
// change) must stop traffic to it. Skips when not root or busybox is missing.
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

std::map<std::string, int> hits(const Netns& client, const std::string& url, int requests) {
  std::string out = testing::sh_output(client.exec(
      "sh -c 'for i in $(seq " + std::to_string(requests) + "); do timeout 5 busybox wget -q -O - " + url +
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

  auto seen = hits(lb, "http://10.96.0.5/", 30);
  int total = 0;
  for (const auto& [who, n] : seen) total += n;
  EXPECT_EQ(total, 30) << "some requests to the VIP failed";
  EXPECT_EQ(seen.size(), 3u) << "not every backend answered";
  for (int i = 1; i <= 3; ++i) EXPECT_GT(seen["backend-" + std::to_string(i)], 0) << i;

  // One endpoint goes: one map element (plus the rule's modulus) changes, traffic follows.
  desired[web].erase(Backend{*parse_ipv4("10.77.0.12"), 8080});
  st = balancer.sync(desired);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(balancer.last_op_count(), 1u);
  EXPECT_LT((*backend)->last_batch_bytes(), 400u) << "an endpoint change rewrote too much";
  seen = hits(lb, "http://10.96.0.5/", 20);
  EXPECT_EQ(seen.count("backend-2"), 0u);
  EXPECT_EQ(seen["backend-1"] + seen["backend-3"], 20);

  // Service gone: nothing of ours but the empty skeleton remains.
  ASSERT_TRUE(balancer.sync({}).ok());
  EXPECT_TRUE(hits(lb, "http://10.96.0.5/", 1).empty());
  ASSERT_TRUE((*backend)->remove_table().ok());
}

}  // namespace shoal
