#include "tests/ipvs/lb_state_text.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal {
namespace {

Ipv4 ip(const char* text) { return *parse_ipv4(text); }

TEST(LbStateText, ParsesServicesAndBackends) {
  auto state = parse_lb_state("10.96.0.1:80 10.0.1.2:8080 10.0.2.2:8080; 10.96.0.2:53/udp 10.0.1.3:53");
  ASSERT_TRUE(state) << state.message();
  ServiceKey web{ip("10.96.0.1"), Protocol::kTcp, 80};
  ServiceKey dns{ip("10.96.0.2"), Protocol::kUdp, 53};
  ASSERT_EQ(state->size(), 2u);
  EXPECT_EQ(state->at(web), (BackendSet{{ip("10.0.1.2"), 8080}, {ip("10.0.2.2"), 8080}}));
  EXPECT_EQ(state->at(dns), (BackendSet{{ip("10.0.1.3"), 53}}));
}

TEST(LbStateText, ServiceWithoutBackendsIsKept) {
  auto state = parse_lb_state("10.96.0.1:80/tcp");
  ASSERT_TRUE(state) << state.message();
  ASSERT_EQ(state->size(), 1u);
  EXPECT_TRUE(state->begin()->second.empty());
}

TEST(LbStateText, DashAndBlankAreTheEmptyState) {
  for (const char* line : {"-", "", "   "}) {
    auto state = parse_lb_state(line);
    ASSERT_TRUE(state) << line;
    EXPECT_TRUE(state->empty()) << line;
  }
}

TEST(LbStateText, RejectsBadInputWithTheOffendingWord) {
  struct Case { const char* line; const char* names; };
  for (const auto& c : std::vector<Case>{{"10.96.0.1 10.0.0.1:80", "10.96.0.1"},
                                         {"10.96.0.1:0 10.0.0.1:80", "10.96.0.1:0"},
                                         {"10.96.0.1:80 10.0.0.1:65536", "10.0.0.1:65536"},
                                         {"10.96.0.1:80 10.0.0.1:8x", "10.0.0.1:8x"},
                                         {"10.96.0.1:80/sctp", "sctp"},
                                         {"10.96.0.300:80", "10.96.0.300"},
                                         {"10.96.0.1:80;;10.96.0.2:80", "empty service"},
                                         {"10.96.0.1:80; 10.96.0.1:80/tcp", "twice"}}) {
    auto state = parse_lb_state(c.line);
    ASSERT_FALSE(state) << c.line;
    EXPECT_NE(state.message().find(c.names), std::string::npos) << c.line << " -> " << state.message();
  }
}

RC_GTEST_PROP(LbStateText, ParseInvertsFormat, ()) {
  LbState state;
  auto services = *rc::gen::inRange(0, 5);
  for (int i = 0; i < services; ++i) {
    ServiceKey key{Ipv4{*rc::gen::arbitrary<std::uint32_t>()},
                   *rc::gen::element(Protocol::kTcp, Protocol::kUdp),
                   static_cast<std::uint16_t>(*rc::gen::inRange(1, 65536))};
    auto& backends = state[key];
    auto count = *rc::gen::inRange(0, 5);
    for (int j = 0; j < count; ++j)
      backends.insert(Backend{Ipv4{*rc::gen::arbitrary<std::uint32_t>()},
                              static_cast<std::uint16_t>(*rc::gen::inRange(1, 65536))});
  }
  auto text = format_lb_state(state);
  auto parsed = parse_lb_state(text);
  RC_ASSERT(static_cast<bool>(parsed));
  RC_ASSERT(*parsed == state);
}

}  // namespace
}  // namespace shoal
