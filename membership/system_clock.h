// The real clocks, read in this one place (common/clock.h says which is used for what).
#pragma once

#include "common/clock.h"

namespace shoal {

class SystemClock final : public Clock {
 public:
  // mono_ms: std::chrono::steady_clock; wall_ms: std::chrono::system_clock (Unix epoch).
  Now now() const override;
};

}  // namespace shoal
