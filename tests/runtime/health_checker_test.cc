#include "runtime/health_checker.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal::runtime {
namespace {

using Action = HealthStep::Action;

HealthCheckSpec exec_check(std::int64_t interval, std::int64_t timeout, std::uint32_t retries,
                           std::int64_t start_period) {
  HealthCheckSpec h;
  h.kind = HealthCheckSpec::Kind::kExec;
  h.command = {"true"};
  h.interval_ms = interval;
  h.timeout_ms = timeout;
  h.retries = retries;
  h.start_period_ms = start_period;
  return h;
}

// One row: at `at_ms` either poll, or report a probe result; then expect action and health.
struct Row {
  std::int64_t at_ms;
  enum { kPoll, kPass, kFail } input;
  Action action;  // for kPoll
  Health health;
};

void run_table(HealthChecker& hc, const std::vector<Row>& rows) {
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    if (r.input == Row::kPoll) {
      HealthStep s = hc.poll(r.at_ms);
      EXPECT_EQ(static_cast<int>(s.action), static_cast<int>(r.action)) << "row " << i;
    } else {
      hc.on_probe_result(r.at_ms, r.input == Row::kPass);
    }
    EXPECT_EQ(hc.health(), r.health) << "row " << i;
  }
}

TEST(HealthChecker, NoCheckIsHealthyAtOnceAndNeverProbes) {
  HealthChecker hc(HealthCheckSpec{}, 0);
  EXPECT_EQ(hc.health(), Health::kHealthy);
  EXPECT_EQ(hc.poll(1'000'000).action, Action::kNone);
  EXPECT_EQ(hc.next_deadline_ms(), kNever);
}

TEST(HealthChecker, FirstProbeAfterIntervalThenHealthyOnSuccess) {
  HealthChecker hc(exec_check(100, 50, 3, 0), 1000);
  run_table(hc, {
                    {1000, Row::kPoll, Action::kNone, Health::kStarting},
                    {1099, Row::kPoll, Action::kNone, Health::kStarting},
                    {1100, Row::kPoll, Action::kStartProbe, Health::kStarting},
                    {1120, Row::kPoll, Action::kNone, Health::kStarting},  // in flight
                    {1130, Row::kPass, Action::kNone, Health::kHealthy},
                    {1229, Row::kPoll, Action::kNone, Health::kHealthy},
                    {1230, Row::kPoll, Action::kStartProbe, Health::kHealthy},
                });
}

TEST(HealthChecker, UnhealthyAfterRetriesConsecutiveFailures) {
  HealthChecker hc(exec_check(10, 5, 3, 0), 0);
  run_table(hc, {
                    {10, Row::kPoll, Action::kStartProbe, Health::kStarting},
                    {11, Row::kFail, Action::kNone, Health::kStarting},
                    {21, Row::kPoll, Action::kStartProbe, Health::kStarting},
                    {22, Row::kPass, Action::kNone, Health::kHealthy},  // resets the count
                    {32, Row::kPoll, Action::kStartProbe, Health::kHealthy},
                    {33, Row::kFail, Action::kNone, Health::kHealthy},
                    {43, Row::kPoll, Action::kStartProbe, Health::kHealthy},
                    {44, Row::kFail, Action::kNone, Health::kHealthy},
                    {54, Row::kPoll, Action::kStartProbe, Health::kHealthy},
                    {55, Row::kFail, Action::kNone, Health::kUnhealthy},
                });
  EXPECT_EQ(hc.consecutive_failures(), 3u);
}

TEST(HealthChecker, TimeoutCountsAsFailureAndLateResultIsIgnored) {
  HealthChecker hc(exec_check(10, 5, 1, 0), 0);
  run_table(hc, {
                    {10, Row::kPoll, Action::kStartProbe, Health::kStarting},
                    {14, Row::kPoll, Action::kNone, Health::kStarting},
                    {15, Row::kPoll, Action::kAbandonProbe, Health::kUnhealthy},
                    {16, Row::kPass, Action::kNone, Health::kUnhealthy},  // late: ignored
                    {25, Row::kPoll, Action::kStartProbe, Health::kUnhealthy},
                    {26, Row::kPass, Action::kNone, Health::kHealthy},  // recovers, as Docker
                });
}

TEST(HealthChecker, StartPeriodFailuresDoNotCountUntilFirstSuccess) {
  HealthChecker hc(exec_check(10, 5, 1, 100), 0);
  run_table(hc, {
                    {10, Row::kPoll, Action::kStartProbe, Health::kStarting},
                    {11, Row::kFail, Action::kNone, Health::kStarting},  // in start period
                    {21, Row::kPoll, Action::kStartProbe, Health::kStarting},
                    {26, Row::kPoll, Action::kAbandonProbe, Health::kStarting},  // timeout, in period
                    {100, Row::kPoll, Action::kStartProbe, Health::kStarting},
                    {101, Row::kFail, Action::kNone, Health::kUnhealthy},  // period over
                });
  HealthChecker early(exec_check(10, 5, 1, 1000), 0);
  run_table(early, {
                       {10, Row::kPoll, Action::kStartProbe, Health::kStarting},
                       {11, Row::kPass, Action::kNone, Health::kHealthy},  // ends the start period
                       {21, Row::kPoll, Action::kStartProbe, Health::kHealthy},
                       {22, Row::kFail, Action::kNone, Health::kUnhealthy},
                   });
}

// Laws, over random schedules of polls and results.
RC_GTEST_PROP(HealthCheckerProps, LawsHoldForAnySchedule, ()) {
  const auto interval = *rc::gen::inRange<std::int64_t>(1, 100);
  const auto timeout = *rc::gen::inRange<std::int64_t>(1, 100);
  const auto retries = *rc::gen::inRange<std::uint32_t>(1, 5);
  const auto start_period = *rc::gen::inRange<std::int64_t>(0, 300);
  const auto steps = *rc::gen::container<std::vector<std::pair<std::int64_t, int>>>(
      rc::gen::pair(rc::gen::inRange<std::int64_t>(0, 40), rc::gen::inRange(0, 3)));
  HealthChecker hc(exec_check(interval, timeout, retries, start_period), 0);
  std::int64_t now = 0;
  bool in_flight = false;
  std::uint32_t failures_after_period = 0;  // our own count of consecutive counted failures
  bool passed = false;
  for (auto [dt, what] : steps) {
    now += dt;
    const std::int64_t before_deadline = hc.next_deadline_ms();
    if (what == 0) {
      HealthStep s = hc.poll(now);
      if (s.action == Action::kStartProbe) {
        RC_ASSERT(!in_flight);  // never two probes at once
        RC_ASSERT(now >= before_deadline);
        in_flight = true;
      } else if (s.action == Action::kAbandonProbe) {
        RC_ASSERT(in_flight);
        RC_ASSERT(now >= before_deadline);
        in_flight = false;
        if (passed || now >= start_period) ++failures_after_period;
      } else {
        RC_ASSERT(now < before_deadline);  // nothing due => no action
      }
      RC_ASSERT(s.next_deadline_ms > now);  // the next deadline is always in the future
    } else {
      const bool ok = what == 1;
      hc.on_probe_result(now, ok);
      if (in_flight) {
        if (ok) {
          passed = true;
          failures_after_period = 0;
        } else if (passed || now >= start_period) {
          ++failures_after_period;
        }
      }
      in_flight = false;
    }
    RC_ASSERT(hc.probe_in_flight() == in_flight);
    RC_ASSERT(hc.consecutive_failures() == failures_after_period);
    // Unhealthy exactly when `retries` counted failures happened since the last success.
    if (failures_after_period >= retries) {
      RC_ASSERT(hc.health() == Health::kUnhealthy);
    } else if (passed) {
      RC_ASSERT(hc.health() == Health::kHealthy);
    } else {
      RC_ASSERT(hc.health() == Health::kStarting);
    }
  }
}

}  // namespace
}  // namespace shoal::runtime
