// IPVS messages byte for byte against buffers derived by hand from linux/ip_vs.h (enum values
// counted from UNSPEC = 0), netlink's 4-byte attribute alignment and libmnl's NLA_F_NESTED
// (0x8000) on nests. All integers little-endian (x86 host order) except ports and the netmask
// (network order), as the kernel reads them.
#include "loadbalancer/ipvs_messages.h"
#include "tests/loadbalancer/lb_test_values.h"

#include <gtest/gtest.h>

namespace shoal {

namespace {

const Backend kBackend{Ipv4{0x0AC8010A}, 8080};                 // 10.200.1.10:8080
constexpr std::uint16_t kFamily = 0x1c;
constexpr std::uint32_t kSeq = 7;

// nlmsghdr: len(4) type(2)=0x001c flags(2)=REQUEST|ACK=0x0005 seq(4)=7 pid(4)=0; genlmsghdr.
Bytes header(std::uint8_t len, std::uint8_t cmd) {
  return {len, 0, 0, 0, 0x1c, 0x00, 0x05, 0x00, 7, 0, 0, 0, 0, 0, 0, 0, cmd, 0x01, 0x00, 0x00};
}

// IPVS_CMD_ATTR_SERVICE (1) nested, AF/PROTOCOL/ADDR/PORT only: 4 + 8 + 8 + 20 + 8 = 48 bytes.
const Bytes kServiceLookup = {
    0x30, 0x00, 0x01, 0x80,                          // nla_len 48, type 1 | NESTED
    0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,  // AF = AF_INET (2), padded
    0x06, 0x00, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00,  // PROTOCOL = 6 (tcp)
    0x14, 0x00, 0x03, 0x00, 10, 96, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // ADDR (16 bytes)
    0x06, 0x00, 0x04, 0x00, 0x00, 0x50, 0x00, 0x00,  // PORT = 80 big-endian
};

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace

TEST(IpvsMessages, NewServiceMatchesHandBuiltBytes) {
  Bytes want = cat({header(104, 1),  // IPVS_CMD_NEW_SERVICE = 1; 16 + 4 + 84
                    {0x54, 0x00, 0x01, 0x80,  // service nest, 84 bytes
                     0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,
                     0x06, 0x00, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00,
                     0x14, 0x00, 0x03, 0x00, 10, 96, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                     0x06, 0x00, 0x04, 0x00, 0x00, 0x50, 0x00, 0x00,
                     0x07, 0x00, 0x06, 0x00, 'm', 'h', 0x00, 0x00,          // SCHED_NAME "mh\0"
                     0x0c, 0x00, 0x07, 0x00, 0x10, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,  // FLAGS MH_PORT, mask ~0
                     0x08, 0x00, 0x08, 0x00, 0, 0, 0, 0,                    // TIMEOUT 0
                     0x08, 0x00, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff}});     // NETMASK /32
  EXPECT_EQ(ipvs_new_service(kFamily, kSeq, kWeb, {"mh", kIpvsMhPortFlag}), want);
}

TEST(IpvsMessages, CatchAllServiceIsPortZeroPersistentWithItsTimeout) {
  const ServiceKey any{kWeb.vip, Protocol::kTcp, 0};
  Bytes want = cat({header(104, 1),
                    {0x54, 0x00, 0x01, 0x80,
                     0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,
                     0x06, 0x00, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00,
                     0x14, 0x00, 0x03, 0x00, 10, 96, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                     0x06, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,          // PORT 0: every port
                     0x07, 0x00, 0x06, 0x00, 'm', 'h', 0x00, 0x00,
                     0x0c, 0x00, 0x07, 0x00, 0x11, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,  // FLAGS MH_PORT | PERSISTENT
                     0x08, 0x00, 0x08, 0x00, 1, 0, 0, 0,                      // TIMEOUT 1 s
                     0x08, 0x00, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff}});
  EXPECT_EQ(ipvs_new_service(kFamily, kSeq, any, {"mh", kIpvsMhPortFlag | kIpvsPersistentFlag, 1}), want);
}

TEST(IpvsMessages, DelServiceMatchesHandBuiltBytes) {
  EXPECT_EQ(ipvs_del_service(kFamily, kSeq, kWeb), cat({header(68, 3), kServiceLookup}));  // DEL_SERVICE = 3
}

TEST(IpvsMessages, NewDestMatchesHandBuiltBytes) {
  Bytes dest = {0x48, 0x00, 0x02, 0x80,  // IPVS_CMD_ATTR_DEST (2) nested, 72 bytes
                0x14, 0x00, 0x01, 0x00, 10, 200, 1, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // ADDR
                0x06, 0x00, 0x02, 0x00, 0x1f, 0x90, 0x00, 0x00,  // PORT 8080 big-endian
                0x08, 0x00, 0x03, 0x00, 0, 0, 0, 0,              // FWD_METHOD = MASQ (0)
                0x08, 0x00, 0x04, 0x00, 1, 0, 0, 0,              // WEIGHT 1
                0x08, 0x00, 0x05, 0x00, 0, 0, 0, 0,              // U_THRESH
                0x08, 0x00, 0x06, 0x00, 0, 0, 0, 0,              // L_THRESH
                0x06, 0x00, 0x0b, 0x00, 0x02, 0x00, 0x00, 0x00}; // ADDR_FAMILY (11) = AF_INET
  EXPECT_EQ(ipvs_new_dest(kFamily, kSeq, kWeb, kBackend, 1), cat({header(140, 5), kServiceLookup, dest}));
}

TEST(IpvsMessages, DelDestMatchesHandBuiltBytes) {
  Bytes dest = {0x20, 0x00, 0x02, 0x80,
                0x14, 0x00, 0x01, 0x00, 10, 200, 1, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0x06, 0x00, 0x02, 0x00, 0x1f, 0x90, 0x00, 0x00};
  EXPECT_EQ(ipvs_del_dest(kFamily, kSeq, kWeb, kBackend), cat({header(100, 7), kServiceLookup, dest}));
}

TEST(IpvsMessages, GetFamilyMatchesHandBuiltBytes) {
  // GENL_ID_CTRL = 0x10, CTRL_CMD_GETFAMILY = 3, version 1, CTRL_ATTR_FAMILY_NAME (2) "IPVS\0".
  Bytes want = {32, 0, 0, 0, 0x10, 0x00, 0x05, 0x00, 7, 0, 0, 0, 0, 0, 0, 0, 3, 1, 0, 0,
                0x09, 0x00, 0x02, 0x00, 'I', 'P', 'V', 'S', 0, 0, 0, 0};
  EXPECT_EQ(genl_get_family(kSeq, "IPVS"), want);
}

TEST(IpvsMessages, UdpServiceCarriesProtocol17) {
  auto msg = ipvs_del_service(kFamily, kSeq, ServiceKey{kWeb.vip, Protocol::kUdp, 53});
  EXPECT_EQ(msg[20 + 4 + 8 + 4], 17);
  EXPECT_EQ(msg[20 + 4 + 8 + 8 + 20 + 4], 0x00);
  EXPECT_EQ(msg[20 + 4 + 8 + 8 + 20 + 5], 53);
}

TEST(IpvsMessages, FamilyReplyParsing) {
  // A controller reply: NEWFAMILY (1) with FAMILY_ID (1) = 0x24 then FAMILY_NAME.
  Bytes reply = {36, 0, 0, 0, 0x10, 0x00, 0x00, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0,
                 0x06, 0x00, 0x01, 0x00, 0x24, 0x00, 0x00, 0x00,
                 0x08, 0x00, 0x02, 0x00, 'I', 'P', 'V', 0};
  auto id = parse_family_reply(reply.data(), reply.size());
  ASSERT_TRUE(id.ok()) << id.message();
  EXPECT_EQ(*id, 0x24);
  // The kernel's answer when IPVS is absent: NLMSG_ERROR with -ENOENT (-2).
  Bytes error = {36, 0, 0, 0, 0x02, 0x00, 0x00, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff,
                 16, 0, 0, 0, 0x10, 0, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0};
  auto missing = parse_family_reply(error.data(), error.size());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("No such file"), std::string::npos) << missing.message();
  // Garbage never crashes.
  for (std::size_t n = 0; n < reply.size(); ++n) (void)parse_family_reply(reply.data(), n);
}

}  // namespace shoal
