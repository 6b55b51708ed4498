#include "loadbalancer/dns_responder.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal {

namespace {

Bytes make_query(const std::string& name, std::uint16_t qtype = 1, std::uint16_t id = 0xBEEF) {
  Bytes q = {static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id), 0x01, 0x00,  // RD
             0, 1, 0, 0, 0, 0, 0, 0};
  std::size_t start = 0;
  while (start <= name.size()) {
    auto dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    q.push_back(static_cast<std::uint8_t>(dot - start));
    q.insert(q.end(), name.begin() + static_cast<std::ptrdiff_t>(start), name.begin() + static_cast<std::ptrdiff_t>(dot));
    start = dot + 1;
  }
  q.push_back(0);
  q.insert(q.end(), {static_cast<std::uint8_t>(qtype >> 8), static_cast<std::uint8_t>(qtype), 0, 1});
  return q;
}

struct Parsed {
  std::uint16_t id;
  std::uint8_t rcode;
  bool authoritative, truncated;
  std::vector<Ipv4> answers;
};

// A minimal reader of our own responses (answers use a pointer to the question name).
Parsed parse(const Bytes& r, std::size_t question_end) {
  Parsed p{static_cast<std::uint16_t>(r[0] << 8 | r[1]), static_cast<std::uint8_t>(r[3] & 0x0F),
           (r[2] & 0x04) != 0, (r[2] & 0x02) != 0, {}};
  std::size_t an = static_cast<std::size_t>(r[6] << 8 | r[7]);
  std::size_t pos = question_end;
  for (std::size_t i = 0; i < an; ++i, pos += 16) {
    EXPECT_EQ(r[pos], 0xC0);
    EXPECT_EQ(r[pos + 11], 4);
    p.answers.push_back(Ipv4{std::uint32_t(r[pos + 12]) << 24 | std::uint32_t(r[pos + 13]) << 16 |
                             std::uint32_t(r[pos + 14]) << 8 | r[pos + 15]});
  }
  EXPECT_EQ(pos, r.size());
  return p;
}

DnsTable table() {
  DnsTable t;
  t.set_service("web", *parse_ipv4("10.96.0.5"));
  t.set_tasks("web", {*parse_ipv4("10.200.1.10"), *parse_ipv4("10.200.2.10")});
  return t;
}

Parsed ask(const std::string& name, std::uint16_t qtype = 1) {
  auto q = make_query(name, qtype);
  auto r = dns_answer(q.data(), q.size(), table(), DnsConfig{});
  EXPECT_TRUE(r.has_value());
  return parse(*r, q.size());
}

}  // namespace

TEST(DnsResponder, ServiceNameResolvesToTheVip) {
  for (const char* name : {"web", "web.shoal", "WEB.Shoal"}) {
    auto p = ask(name);
    EXPECT_EQ(p.id, 0xBEEF);
    EXPECT_EQ(p.rcode, 0);
    EXPECT_TRUE(p.authoritative);
    EXPECT_EQ(p.answers, std::vector<Ipv4>{*parse_ipv4("10.96.0.5")}) << name;
  }
}

TEST(DnsResponder, TasksNameResolvesToEveryTask) {
  auto p = ask("tasks.web.shoal");
  EXPECT_EQ(p.answers, (std::vector<Ipv4>{*parse_ipv4("10.200.1.10"), *parse_ipv4("10.200.2.10")}));
  EXPECT_EQ(ask("tasks.web").answers.size(), 2u);
}

TEST(DnsResponder, UnknownIsNxdomainAndOtherTypesAreNodata) {
  EXPECT_EQ(ask("db").rcode, 3);
  EXPECT_EQ(ask("tasks.db.shoal").rcode, 3);
  EXPECT_EQ(ask("web.example").rcode, 3);
  auto aaaa = ask("web", 28);
  EXPECT_EQ(aaaa.rcode, 0);
  EXPECT_TRUE(aaaa.answers.empty());
}

TEST(DnsResponder, ManyTasksAreTruncatedToFitUdp) {
  DnsTable t;
  std::vector<Ipv4> many;
  for (std::uint32_t i = 0; i < 100; ++i) many.push_back(Ipv4{0x0AC80100 + i});
  t.set_tasks("big", many);
  auto q = make_query("tasks.big");
  auto r = dns_answer(q.data(), q.size(), t, DnsConfig{});
  ASSERT_TRUE(r.has_value());
  EXPECT_LE(r->size(), 512u);
  auto p = parse(*r, q.size());
  EXPECT_TRUE(p.truncated);
  EXPECT_GT(p.answers.size(), 20u);
}

TEST(DnsResponder, MalformedQueriesAreDropped) {
  auto t = table();
  auto good = make_query("web");
  for (std::size_t n = 0; n < good.size(); ++n)
    EXPECT_FALSE(dns_answer(good.data(), n, t, {}).has_value()) << "truncated to " << n;
  auto response = good;
  response[2] |= 0x80;  // QR: a response, not a query
  EXPECT_FALSE(dns_answer(response.data(), response.size(), t, {}).has_value());
  auto pointer = good;
  pointer[12] = 0xC0;  // compression pointer in the question
  EXPECT_FALSE(dns_answer(pointer.data(), pointer.size(), t, {}).has_value());
  auto two = good;
  two[5] = 2;  // two questions
  EXPECT_FALSE(dns_answer(two.data(), two.size(), t, {}).has_value());
  EXPECT_FALSE(dns_answer(nullptr, 0, t, {}).has_value());
}

TEST(DnsResponder, OtherOpcodesGetNotImp) {
  auto q = make_query("web");
  q[2] |= 0x10;  // opcode 2 (STATUS)
  auto r = dns_answer(q.data(), q.size(), table(), {});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)[3] & 0x0F, 4);
}

RC_GTEST_PROP(DnsResponder, ArbitraryBytesNeverCrashAndRepliesEchoTheId, (std::vector<std::uint8_t> bytes)) {
  auto t = table();
  auto r = dns_answer(bytes.data(), bytes.size(), t, {});
  if (r) {
    RC_ASSERT(r->size() >= 12u);
    RC_ASSERT((*r)[0] == bytes[0] && (*r)[1] == bytes[1]);
    RC_ASSERT(((*r)[2] & 0x80) != 0);  // always a response
  }
}

RC_GTEST_PROP(DnsResponder, EveryRegisteredServiceResolvesToItsVip, (std::uint32_t vip_value)) {
  auto name = *rc::gen::container<std::string>(*rc::gen::inRange(1, 20), rc::gen::inRange('a', 'z'));
  RC_PRE(name.rfind("tasks", 0) != 0);
  DnsTable t;
  t.set_service(name, Ipv4{vip_value});
  auto q = make_query(name + ".shoal");
  auto r = dns_answer(q.data(), q.size(), t, {});
  RC_ASSERT(r.has_value());
  auto p = parse(*r, q.size());
  RC_ASSERT(p.answers == std::vector<Ipv4>{Ipv4{vip_value}});
}

}  // namespace shoal
