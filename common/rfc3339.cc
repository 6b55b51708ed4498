#include "common/rfc3339.h"

#include <cstdio>
#include <ctime>

namespace shoal {

std::string rfc3339(std::uint64_t unix_ms) { return rfc3339_ns(unix_ms * 1'000'000u); }

std::string rfc3339_ns(std::uint64_t unix_ns) {
  std::time_t secs = static_cast<std::time_t>(unix_ns / 1'000'000'000u);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<unsigned>(unix_ns % 1'000'000'000u));
  return buf;
}

}  // namespace shoal
