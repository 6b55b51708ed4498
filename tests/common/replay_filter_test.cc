#include "common/replay_filter.h"

#include <gtest/gtest.h>

namespace shoal {

std::array<std::uint8_t, 24> nonce(std::uint8_t b) {
  std::array<std::uint8_t, 24> n{};
  n.fill(b);
  return n;
}

TEST(ReplayFilter, AcceptsOnceRejectsReplay) {
  ReplayFilter f;
  EXPECT_TRUE(f.accept(nonce(1), 1000, 1000));
  EXPECT_FALSE(f.accept(nonce(1), 1000, 1001));
  EXPECT_TRUE(f.accept(nonce(2), 1000, 1001));
}

TEST(ReplayFilter, RejectsOutsideWindow) {
  ReplayFilter f({.window_ms = 100, .max_entries = 10});
  EXPECT_FALSE(f.accept(nonce(1), 1000, 1200));   // too old
  EXPECT_FALSE(f.accept(nonce(2), 1400, 1200));   // from the future
  EXPECT_TRUE(f.accept(nonce(3), 1150, 1200));
}

TEST(ReplayFilter, MemoryIsBounded) {
  ReplayFilter f({.window_ms = 1'000'000, .max_entries = 8});
  for (int i = 0; i < 100; ++i) {
    std::array<std::uint8_t, 24> n{};
    n[0] = static_cast<std::uint8_t>(i);
    EXPECT_TRUE(f.accept(n, 5000, 5000));
  }
  EXPECT_LE(f.size(), 8u);
}

}  // namespace shoal
