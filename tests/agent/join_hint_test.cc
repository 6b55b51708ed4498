#include "agent/join_hint.h"

#include <gtest/gtest.h>

namespace shoal {
namespace {

TEST(JoinHint, NamesTheSeedsAndWhatToCheck) {
  membership::Counters c;
  const std::string line = join_hint({"10.0.0.1:7946", "10.0.0.2:7946"}, c, {});
  EXPECT_NE(line.find("10.0.0.1:7946, 10.0.0.2:7946"), std::string::npos) << line;
  EXPECT_NE(line.find("firewall"), std::string::npos) << line;
  EXPECT_NE(line.find("same cluster key"), std::string::npos) << line;
}

TEST(JoinHint, PacketsWithAnotherKeyPointAtTheKey) {
  membership::Counters c;
  c.dropped[static_cast<std::size_t>(DropReason::kBadMac)] = 3;
  const std::string line = join_hint({"10.0.0.1:7946"}, c, {});
  EXPECT_NE(line.find("3 packets arrived sealed with a key this node does not have"), std::string::npos) << line;
}

TEST(JoinHint, AcceptedButUnansweredPointsAtTheKeyAndRefusedAtTheAddress) {
  membership::Counters c;
  membership::Transport::StreamStats closed;
  closed.closed_unanswered = 2;
  EXPECT_NE(join_hint({"s:1"}, c, closed).find("another cluster key"), std::string::npos);
  membership::Transport::StreamStats refused;
  refused.connect_failed = 4;
  const std::string line = join_hint({"s:1"}, c, refused);
  EXPECT_NE(line.find("TCP connections to the seeds failed (4 times)"), std::string::npos) << line;
}

}  // namespace
}  // namespace shoal
