#include "loadbalancer/ipvs_backend.h"

#include <cerrno>

#include <gtest/gtest.h>

#include "loadbalancer/lb_plan.h"
#include "tests/loadbalancer/lb_test_values.h"

namespace shoal {

namespace {

// Records messages; answers with scripted errnos (0 = ack).
class FakeGenl : public GenlTransport {
 public:
  std::vector<Bytes> sent;
  std::vector<int> answers;  // consumed in order; ack once exhausted
  Bytes family_reply;

  Result<int> request(const Bytes& m) override {
    sent.push_back(m);
    if (answers.empty()) return 0;
    int a = answers.front();
    answers.erase(answers.begin());
    return a;
  }
  Result<Bytes> query(const Bytes& m) override {
    sent.push_back(m);
    return family_reply;
  }
};

const Backend kB1{Ipv4{0x0AC8010A}, 8080}, kB2{Ipv4{0x0AC8020A}, 8080};

}  // namespace

TEST(IpvsBackend, OpsBecomeTheirMessagesInOrder) {
  auto fake = std::make_unique<FakeGenl>();
  auto* f = fake.get();
  IpvsBackend backend(std::move(fake), 0x24, LbConfig{});
  ASSERT_TRUE(backend.apply({AddService{kWeb}, AddBackend{kWeb, kB1}, DelBackend{kWeb, kB2}, DelService{kWeb}}).ok());
  ASSERT_EQ(f->sent.size(), 4u);
  EXPECT_EQ(f->sent[0], ipvs_new_service(0x24, 1, kWeb, {"mh", kIpvsMhPortFlag}));
  EXPECT_EQ(f->sent[1], ipvs_new_dest(0x24, 2, kWeb, kB1, 1));
  EXPECT_EQ(f->sent[2], ipvs_del_dest(0x24, 3, kWeb, kB2));
  EXPECT_EQ(f->sent[3], ipvs_del_service(0x24, 4, kWeb));
}

TEST(IpvsBackend, ACatchAllServiceIsPersistentAndItsBackendsKeepThePort) {
  auto fake = std::make_unique<FakeGenl>();
  auto* f = fake.get();
  LbConfig config;
  config.ipvs_catch_all_persistence_s = 3;
  IpvsBackend backend(std::move(fake), 0x24, config);
  const ServiceKey any{kWeb.vip, Protocol::kAny, 0};  // every protocol: tcp and udp for IPVS
  const ServiceKey tcp{kWeb.vip, Protocol::kTcp, 0}, udp{kWeb.vip, Protocol::kUdp, 0};
  const Backend b{kB1.ip, 0};
  ASSERT_TRUE(backend.apply({AddService{any}, AddBackend{any, b}, AddService{kWeb}, DelService{any}}).ok());
  ASSERT_EQ(f->sent.size(), 7u);
  const IpvsServiceParams persistent{"mh", kIpvsMhPortFlag | kIpvsPersistentFlag, 3};
  EXPECT_EQ(f->sent[0], ipvs_new_service(0x24, 1, tcp, persistent));
  EXPECT_EQ(f->sent[1], ipvs_new_service(0x24, 2, udp, persistent));
  EXPECT_EQ(f->sent[2], ipvs_new_dest(0x24, 3, tcp, b, 1));
  EXPECT_EQ(f->sent[3], ipvs_new_dest(0x24, 4, udp, b, 1));
  EXPECT_EQ(f->sent[4], ipvs_new_service(0x24, 5, kWeb, {"mh", kIpvsMhPortFlag}));  // a port: no persistence
  EXPECT_EQ(f->sent[5], ipvs_del_service(0x24, 6, tcp));
  EXPECT_EQ(f->sent[6], ipvs_del_service(0x24, 7, udp));
}

TEST(IpvsBackend, FallsBackToRoundRobinWhenMaglevIsMissing) {
  auto fake = std::make_unique<FakeGenl>();
  auto* f = fake.get();
  f->answers = {ENOENT};  // "Scheduler module ip_vs_mh not found"
  IpvsBackend backend(std::move(fake), 0x24, LbConfig{});
  ASSERT_TRUE(backend.apply({AddService{kWeb}}).ok());
  EXPECT_EQ(backend.scheduler(), "rr");
  ASSERT_EQ(f->sent.size(), 2u);
  EXPECT_EQ(f->sent[1], ipvs_new_service(0x24, 2, kWeb, {"rr", 0}));
}

TEST(IpvsBackend, DeletingWhatIsGoneSucceedsOtherErrorsReport) {
  auto fake = std::make_unique<FakeGenl>();
  auto* f = fake.get();
  f->answers = {ESRCH, ENOENT, EINVAL};
  IpvsBackend backend(std::move(fake), 0x24, LbConfig{});
  EXPECT_TRUE(backend.apply({DelService{kWeb}, DelBackend{kWeb, kB1}}).ok());
  auto st = backend.apply({AddBackend{kWeb, kB1}});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("10.200.1.10:8080"), std::string::npos) << st.message();
}

TEST(IpvsBackend, OpenExplainsAMissingIpvs) {
  auto fake = std::make_unique<FakeGenl>();
  fake->family_reply = {36, 0, 0, 0, 0x02, 0x00, 0x00, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff,
                        16, 0, 0, 0, 0x10, 0, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0};
  auto opened = IpvsBackend::open(std::move(fake), LbConfig{});
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.message().find("IPVS is not available"), std::string::npos);
  EXPECT_NE(opened.message().find("nftables"), std::string::npos);
}

TEST(IpvsBackend, RealKernelWithoutIpvsGivesAClearError) {
  // This machine's kernel has no IPVS (ENVIRONMENT.md); where it has, open must succeed.
  auto transport = MnlGenlTransport::open();
  ASSERT_TRUE(transport.ok()) << transport.message();
  auto opened = IpvsBackend::open(std::move(transport.value()), LbConfig{});
  if (opened.ok()) GTEST_SKIP() << "this kernel has IPVS; nothing to check here";
  EXPECT_NE(opened.message().find("IPVS is not available"), std::string::npos) << opened.message();
}

}  // namespace shoal
