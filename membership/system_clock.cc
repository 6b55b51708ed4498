#include "membership/system_clock.h"

#include <chrono>

namespace shoal {

namespace {

template <typename C>
std::uint64_t ms_since_epoch() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(C::now().time_since_epoch()).count());
}

}  // namespace

Now SystemClock::now() const {
  return Now{ms_since_epoch<std::chrono::steady_clock>(), ms_since_epoch<std::chrono::system_clock>()};
}

}  // namespace shoal
