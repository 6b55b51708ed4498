#include "runtime/restart_policy.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal::runtime {
namespace {

using Kind = RestartDecision::Kind;
using Condition = RestartPolicySpec::Condition;

RestartPolicySpec policy(Condition c, std::int64_t delay, std::int64_t max_delay, std::uint32_t max_attempts,
                         std::int64_t reset_after = 1'000'000) {
  RestartPolicySpec p;
  p.condition = c;
  p.delay_ms = delay;
  p.max_delay_ms = max_delay;
  p.max_attempts = max_attempts;
  p.reset_after_ms = reset_after;
  return p;
}

ExitEvent exited(int code) { return ExitEvent{ExitInfo{code, 0, false, true}, false, false}; }

TEST(RestartPolicy, ConditionTable) {
  struct Row {
    Condition condition;
    ExitEvent event;
    Kind expected;
  };
  const ExitEvent ok = exited(0), fail = exited(3);
  const ExitEvent oom{ExitInfo{137, 9, true, true}, false, false};
  const ExitEvent unhealthy{ExitInfo{143, 15, false, true}, true, false};
  const ExitEvent stopped{ExitInfo{143, 15, false, true}, false, true};
  const Row rows[] = {
      {Condition::kNone, fail, Kind::kStayDown},      {Condition::kNone, ok, Kind::kStayDown},
      {Condition::kOnFailure, ok, Kind::kStayDown},   {Condition::kOnFailure, fail, Kind::kRestart},
      {Condition::kOnFailure, oom, Kind::kRestart},   {Condition::kOnFailure, unhealthy, Kind::kRestart},
      {Condition::kAny, ok, Kind::kRestart},          {Condition::kAny, fail, Kind::kRestart},
      {Condition::kAny, stopped, Kind::kStayDown},    {Condition::kOnFailure, stopped, Kind::kStayDown},
  };
  for (const auto& r : rows) {
    RestartTracker t(policy(r.condition, 100, 1000, 0));
    t.on_start(0);
    EXPECT_EQ(t.on_exit(10, r.event).kind, r.expected) << condition_name(r.condition);
  }
}

TEST(RestartPolicy, ExponentialBackoffCappedAtMaxDelay) {
  RestartTracker t(policy(Condition::kAny, 100, 1000, 0));
  const std::int64_t expected[] = {100, 200, 400, 800, 1000, 1000};
  std::int64_t now = 0;
  for (std::int64_t want : expected) {
    t.on_start(now);
    RestartDecision d = t.on_exit(now + 5, exited(1));
    ASSERT_EQ(d.kind, Kind::kRestart);
    EXPECT_EQ(d.restart_at_ms - (now + 5), want);
    now = d.restart_at_ms;
  }
}

TEST(RestartPolicy, GivesUpAfterMaxAttempts) {
  RestartTracker t(policy(Condition::kOnFailure, 10, 10, 2));
  t.on_start(0);
  EXPECT_EQ(t.on_exit(1, exited(1)).kind, Kind::kRestart);
  t.on_start(20);
  EXPECT_EQ(t.on_exit(21, exited(1)).kind, Kind::kRestart);
  t.on_start(40);
  RestartDecision d = t.on_exit(41, exited(1));
  EXPECT_EQ(d.kind, Kind::kGiveUp);
  EXPECT_NE(d.reason.find("gave up after 2 restarts"), std::string::npos) << d.reason;
}

TEST(RestartPolicy, LongRunResetsAttemptsAndBackoff) {
  RestartTracker t(policy(Condition::kAny, 100, 10'000, 2, 5'000));
  t.on_start(0);
  (void)t.on_exit(10, exited(1));
  t.on_start(200);
  (void)t.on_exit(210, exited(1));
  EXPECT_EQ(t.attempts(), 2u);
  t.on_start(1000);
  RestartDecision d = t.on_exit(1000 + 5'000, exited(1));  // ran 5 s: a fresh start
  EXPECT_EQ(d.kind, Kind::kRestart);
  EXPECT_EQ(d.attempt, 1u);
  EXPECT_EQ(d.restart_at_ms, 6'000 + 100);
}

RC_GTEST_PROP(RestartPolicyProps, DelaysAreBoundedAndMonotone, ()) {
  const auto delay = *rc::gen::inRange<std::int64_t>(0, 10'000);
  const auto max_delay = delay + *rc::gen::inRange<std::int64_t>(0, 100'000);
  const auto max_attempts = *rc::gen::inRange<std::uint32_t>(0, 10);
  RestartTracker t(policy(Condition::kAny, delay, max_delay, max_attempts));
  std::int64_t now = 0, previous_delay = 0;
  std::uint32_t restarts = 0;
  const auto runs = *rc::gen::inRange(1, 40);
  for (int i = 0; i < runs; ++i) {
    t.on_start(now);
    now += *rc::gen::inRange<std::int64_t>(0, 1000);
    const bool stop = *rc::gen::inRange(0, 10) == 0;
    RestartDecision d = t.on_exit(now, ExitEvent{ExitInfo{1, 0, false, true}, false, stop});
    if (stop) {
      RC_ASSERT(d.kind == Kind::kStayDown);  // a requested stop is never undone
      continue;
    }
    if (d.kind == Kind::kGiveUp) {
      RC_ASSERT(max_attempts > 0 && restarts == max_attempts);
      break;
    }
    RC_ASSERT(d.kind == Kind::kRestart);
    ++restarts;
    const std::int64_t waited = d.restart_at_ms - now;
    RC_ASSERT(waited >= std::min(delay, max_delay));
    RC_ASSERT(waited <= max_delay);
    RC_ASSERT(waited >= previous_delay);  // backoff never shrinks without a reset
    RC_ASSERT(max_attempts == 0 || restarts <= max_attempts);
    previous_delay = waited;
    now = d.restart_at_ms;
  }
}

RC_GTEST_PROP(RestartPolicyProps, DelayForAttemptNeverOverflows, ()) {
  const auto delay = *rc::gen::inRange<std::int64_t>(1, std::int64_t{1} << 40);
  const auto max_delay = delay + *rc::gen::inRange<std::int64_t>(0, std::int64_t{1} << 40);
  RestartTracker t(policy(Condition::kAny, delay, max_delay, 0));
  const auto attempt = *rc::gen::inRange<std::uint32_t>(1, 1'000'000);
  const std::int64_t d = t.delay_for_attempt_ms(attempt);
  RC_ASSERT(d >= delay);
  RC_ASSERT(d <= max_delay);
}

}  // namespace
}  // namespace shoal::runtime
