// Preloaded before libfaketime in the clock-skew scenarios (test_membership.py skewed_env).
//
// libfaketime rewrites timerfd_settime's absolute times by the wall-clock shift it fakes, even
// with FAKETIME_DONT_FAKE_MONOTONIC=1. Asio arms a timer that is already due as the absolute
// CLOCK_MONOTONIC time of 1 ns; shifted, that is an invalid time (EINVAL at +5 min or +1 year)
// or one that never comes (1970), so the agent's event loop stops running its timers and SWIM
// stops probing: a fault of the test tool, not of the agent. This passes timerfd_settime to the
// kernel untouched, so only the wall clock is shifted, as the scenarios intend.
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

int timerfd_settime(int fd, int flags, const struct itimerspec *new_value, struct itimerspec *old_value) {
  return (int)syscall(SYS_timerfd_settime, fd, flags, new_value, old_value);
}

int timerfd_gettime(int fd, struct itimerspec *curr_value) {
  return (int)syscall(SYS_timerfd_gettime, fd, curr_value);
}
