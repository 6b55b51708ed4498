#include "agent/known_peers.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

namespace shoal {
namespace {

std::string addr(int i) { return "10.0.0." + std::to_string(i % 250) + ":" + std::to_string(7000 + i); }

TEST(KnownPeers, MostRecentFirstAndRoundTrips) {
  KnownPeers p;
  EXPECT_TRUE(p.saw("10.0.0.1:7946"));
  EXPECT_TRUE(p.saw("10.0.0.2:7946"));
  EXPECT_FALSE(p.saw("10.0.0.1:7946"));  // known: moved to the front, no write needed
  EXPECT_EQ(p.addrs(), (std::vector<std::string>{"10.0.0.1:7946", "10.0.0.2:7946"}));
  std::size_t dropped = 99;
  EXPECT_EQ(KnownPeers::decode(p.encode(), &dropped).addrs(), p.addrs());
  EXPECT_EQ(dropped, 0u);
}

TEST(KnownPeers, BoundedToTheMostRecent) {
  KnownPeers p;
  for (int i = 0; i < 100; ++i) p.saw(addr(i));
  ASSERT_EQ(p.addrs().size(), KnownPeers::kMaxPeers);
  EXPECT_EQ(p.addrs().front(), addr(99));
  EXPECT_EQ(p.addrs().back(), addr(100 - static_cast<int>(KnownPeers::kMaxPeers)));
}

TEST(KnownPeers, BadLinesAreDroppedAndCounted) {
  std::string text = "10.0.0.1:7946\n\nno-port\n:7946\nhost:\nhost:79x\nwith space:1\n" +
                     std::string(KnownPeers::kMaxAddrBytes + 1, 'a') + ":1\n10.0.0.1:7946\nhost.example:7946";
  std::size_t dropped = 0;
  auto p = KnownPeers::decode(text, &dropped);
  EXPECT_EQ(p.addrs(), (std::vector<std::string>{"10.0.0.1:7946", "host.example:7946"}));
  EXPECT_EQ(dropped, 7u);  // the repeated line is not an error
  std::string many;
  for (int i = 0; i < 100; ++i) many += addr(i) + "\n";
  EXPECT_EQ(KnownPeers::decode(many, &dropped).addrs().size(), KnownPeers::kMaxPeers);
  EXPECT_EQ(dropped, 100 - KnownPeers::kMaxPeers);
}

// Whatever the file holds, what is believed is bounded, duplicate-free and plausible.
RC_GTEST_PROP(KnownPeers, DecodeIsBoundedAndDuplicateFree, (const std::string& text)) {
  std::size_t dropped = 0;
  auto p = KnownPeers::decode(text, &dropped);
  RC_ASSERT(p.addrs().size() <= KnownPeers::kMaxPeers);
  RC_ASSERT(std::set<std::string>(p.addrs().begin(), p.addrs().end()).size() == p.addrs().size());
  for (const auto& a : p.addrs()) RC_ASSERT(a.size() <= KnownPeers::kMaxAddrBytes && a.find(':') != std::string::npos);
}

}  // namespace
}  // namespace shoal
