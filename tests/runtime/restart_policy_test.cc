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

TEST(RestartPolicy, WindowCountsOnlyRecentRestarts) {
  RestartPolicySpec p = policy(Condition::kOnFailure, 10, 10, 2);
  p.window_ms = 1'000;
  RestartTracker t(p);
  t.on_start(0);
  EXPECT_EQ(t.on_exit(1, exited(1)).kind, Kind::kRestart);
  t.on_start(20);
  EXPECT_EQ(t.on_exit(21, exited(1)).kind, Kind::kRestart);
  // Both restarts are older than the window: a crash now and then is still restarted.
  t.on_start(1'500);
  EXPECT_EQ(t.on_exit(1'501, exited(1)).kind, Kind::kRestart);
  t.on_start(1'510);
  EXPECT_EQ(t.on_exit(1'511, exited(1)).kind, Kind::kRestart);
  // A loop: the third crash within one window gives up.
  t.on_start(1'520);
  RestartDecision d = t.on_exit(1'521, exited(1));
  EXPECT_EQ(d.kind, Kind::kGiveUp);
  EXPECT_NE(d.reason.find("in 1000 ms"), std::string::npos) << d.reason;
}

TEST(RestartPolicy, DelayIsAFloorEvenAboveTheBackoffCap) {
  // --restart-delay 30s with the runtime's default 10 s cap: restarts wait 30 s, not 10.
  RestartTracker t(policy(Condition::kAny, 30'000, 10'000, 0));
  t.on_start(0);
  EXPECT_EQ(t.on_exit(5, exited(0)).restart_at_ms, 30'005);
}

// One random exit: success, non-zero exit, signal, OOM kill, failed health check, or a stop
// someone asked for.
ExitEvent random_exit() {
  switch (*rc::gen::inRange(0, 6)) {
    case 0: return exited(0);
    case 1: return exited(*rc::gen::inRange(1, 256));
    case 2: return ExitEvent{ExitInfo{137, 9, false, true}, false, false};
    case 3: return ExitEvent{ExitInfo{137, 9, true, true}, false, false};
    case 4: return ExitEvent{ExitInfo{143, 15, false, true}, true, false};
    default: return ExitEvent{ExitInfo{143, 15, false, true}, false, true};
  }
}

bool is_failure(const ExitEvent& e) { return e.unhealthy || !e.exit.success(); }

RestartPolicySpec random_policy(Condition c) {
  RestartPolicySpec p;
  p.condition = c;
  p.delay_ms = *rc::gen::inRange<std::int64_t>(0, 5'000);
  p.max_delay_ms = *rc::gen::inRange<std::int64_t>(0, 20'000);  // may be below delay_ms
  p.max_attempts = *rc::gen::inRange<std::uint32_t>(0, 6);
  p.window_ms = *rc::gen::element<std::int64_t>(0, 500, 5'000, 60'000);
  p.reset_after_ms = *rc::gen::element<std::int64_t>(1'000, 1'000'000);
  return p;
}

// Drives a tracker through random runs and exits; checks each decision with `law`.
template <typename Law>
void run_exits(const RestartPolicySpec& p, Law law) {
  RestartTracker t(p);
  std::int64_t now = *rc::gen::inRange<std::int64_t>(0, 1'000'000);
  const int exits = *rc::gen::inRange(1, 60);
  for (int i = 0; i < exits; ++i) {
    t.on_start(now);
    now += *rc::gen::inRange<std::int64_t>(0, 3'000);
    const ExitEvent e = random_exit();
    const RestartDecision d = t.on_exit(now, e);
    law(now, e, d);
    // The next run starts at the restart, or later (the agent started the slot again).
    now = d.kind == Kind::kRestart ? d.restart_at_ms : now + *rc::gen::inRange<std::int64_t>(0, 100);
  }
}

RC_GTEST_PROP(RestartPolicyLaws, NoneNeverRestarts, ()) {
  run_exits(random_policy(Condition::kNone),
            [](std::int64_t, const ExitEvent&, const RestartDecision& d) { RC_ASSERT(d.kind != Kind::kRestart); });
}

RC_GTEST_PROP(RestartPolicyLaws, OnFailureRestartsOnlyFailures, ()) {
  run_exits(random_policy(Condition::kOnFailure), [](std::int64_t, const ExitEvent& e, const RestartDecision& d) {
    if (d.kind == Kind::kRestart) RC_ASSERT(is_failure(e) && !e.stop_requested);
    if (!is_failure(e)) RC_ASSERT(d.kind == Kind::kStayDown);
  });
}

RC_GTEST_PROP(RestartPolicyLaws, AnyRestartsEveryExitNotAskedFor, ()) {
  RestartPolicySpec p = random_policy(Condition::kAny);
  p.max_attempts = 0;
  run_exits(p, [](std::int64_t, const ExitEvent& e, const RestartDecision& d) {
    RC_ASSERT(d.kind == (e.stop_requested ? Kind::kStayDown : Kind::kRestart));
  });
}

RC_GTEST_PROP(RestartPolicyLaws, StopRequestedIsNeverUndone, ()) {
  const Condition c = *rc::gen::element(Condition::kNone, Condition::kOnFailure, Condition::kAny);
  run_exits(random_policy(c), [](std::int64_t, const ExitEvent& e, const RestartDecision& d) {
    if (e.stop_requested) RC_ASSERT(d.kind == Kind::kStayDown);
  });
}

RC_GTEST_PROP(RestartPolicyLaws, DelayIsHonoured, ()) {
  const Condition c = *rc::gen::element(Condition::kOnFailure, Condition::kAny);
  const RestartPolicySpec p = random_policy(c);
  run_exits(p, [&](std::int64_t now, const ExitEvent&, const RestartDecision& d) {
    if (d.kind != Kind::kRestart) return;
    RC_ASSERT(d.restart_at_ms - now >= p.delay_ms);
    RC_ASSERT(d.restart_at_ms - now <= std::max(p.delay_ms, p.max_delay_ms));
  });
}

RC_GTEST_PROP(RestartPolicyLaws, NoWindowHoldsMoreThanMaxAttempts, ()) {
  RestartPolicySpec p = random_policy(Condition::kAny);
  p.max_attempts = *rc::gen::inRange<std::uint32_t>(1, 6);
  p.reset_after_ms = 1'000'000'000;  // no run is long enough to reset: the window alone counts
  std::vector<std::int64_t> restarts;
  run_exits(p, [&](std::int64_t now, const ExitEvent&, const RestartDecision& d) {
    if (d.kind != Kind::kRestart) return;
    restarts.push_back(now);
    std::size_t in_window = 0;
    for (std::int64_t t : restarts)
      if (p.window_ms == 0 || t > now - p.window_ms) ++in_window;
    RC_ASSERT(in_window <= p.max_attempts);
  });
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
