#include "tests/ipvs/seq_genl_transport.h"

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <rapidcheck/gtest.h>

#include <cerrno>
#include <vector>

namespace shoal {
namespace {

// A datagram built message by message, as the kernel sends them.
class Datagram {
 public:
  Datagram& data(std::uint32_t seq) {
    auto* nlh = next();
    nlh->nlmsg_type = GENL_ID_CTRL;
    nlh->nlmsg_seq = seq;
    auto* genl = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(genlmsghdr)));
    genl->cmd = CTRL_CMD_NEWFAMILY;
    mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x20);
    return done(nlh);
  }
  Datagram& ack(std::uint32_t seq, int errno_value) {
    auto* nlh = next();
    nlh->nlmsg_type = NLMSG_ERROR;
    nlh->nlmsg_seq = seq;
    auto* err = static_cast<nlmsgerr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nlmsgerr)));
    err->error = -errno_value;
    return done(nlh);
  }
  const std::uint8_t* bytes() const { return buf_.data(); }
  std::size_t size() const { return used_; }

 private:
  nlmsghdr* next() { return mnl_nlmsg_put_header(buf_.data() + used_); }
  Datagram& done(nlmsghdr* nlh) {
    used_ += NLMSG_ALIGN(nlh->nlmsg_len);
    return *this;
  }
  alignas(4) std::array<std::uint8_t, 4096> buf_{};
  std::size_t used_ = 0;
};

TEST(ScanGenlReply, DataWithoutAckMeansTheAckIsStillComing) {
  Datagram d;
  d.data(7);
  auto scan = scan_genl_reply(d.bytes(), d.size(), 7);
  ASSERT_TRUE(scan) << scan.message();
  EXPECT_TRUE(scan->has_data);
  EXPECT_FALSE(scan->ack_errno.has_value());
}

TEST(ScanGenlReply, StaleAckOfAnEarlierRequestIsIgnored) {
  // The bug this transport works around: GETFAMILY's ack (seq 1) read as the flush's answer.
  Datagram d;
  d.ack(1, 0);
  auto scan = scan_genl_reply(d.bytes(), d.size(), 2);
  ASSERT_TRUE(scan) << scan.message();
  EXPECT_FALSE(scan->has_data);
  EXPECT_FALSE(scan->ack_errno.has_value());
}

TEST(ScanGenlReply, KernelErrorForThisRequestIsItsErrno) {
  Datagram d;
  d.ack(3, 0).ack(4, ENOENT);
  auto scan = scan_genl_reply(d.bytes(), d.size(), 4);
  ASSERT_TRUE(scan) << scan.message();
  ASSERT_TRUE(scan->ack_errno.has_value());
  EXPECT_EQ(*scan->ack_errno, ENOENT);
}

TEST(ScanGenlReply, DataAndAckInOneDatagram) {
  Datagram d;
  d.data(9).ack(9, 0);
  auto scan = scan_genl_reply(d.bytes(), d.size(), 9);
  ASSERT_TRUE(scan) << scan.message();
  EXPECT_TRUE(scan->has_data);
  ASSERT_TRUE(scan->ack_errno.has_value());
  EXPECT_EQ(*scan->ack_errno, 0);
}

TEST(ScanGenlReply, TruncatedDatagramIsAnErrorNotACrash) {
  Datagram d;
  d.data(5);
  auto scan = scan_genl_reply(d.bytes(), d.size() - 3, 5);
  EXPECT_FALSE(scan);
}

// Law: whatever else a datagram holds, the scan reports exactly this request's ack.
RC_GTEST_PROP(ScanGenlReply, FindsExactlyTheAckOfItsSequence, ()) {
  const auto seq = *rc::gen::inRange<std::uint32_t>(1, 1000);
  const auto others = *rc::gen::container<std::vector<std::uint32_t>>(
      rc::gen::suchThat(rc::gen::inRange<std::uint32_t>(1, 1000), [seq](std::uint32_t s) { return s != seq; }));
  const bool own_ack = *rc::gen::arbitrary<bool>();
  const int own_errno = *rc::gen::inRange(0, 134);
  Datagram d;
  for (std::size_t i = 0; i < others.size() && i < 40; ++i) d.ack(others[i], *rc::gen::inRange(0, 134));
  if (own_ack) d.ack(seq, own_errno);
  auto scan = scan_genl_reply(d.bytes(), d.size(), seq);
  RC_ASSERT(static_cast<bool>(scan));
  RC_ASSERT(scan->ack_errno.has_value() == own_ack);
  if (own_ack) RC_ASSERT(*scan->ack_errno == own_errno);
  RC_ASSERT(!scan->has_data);
}

}  // namespace
}  // namespace shoal
