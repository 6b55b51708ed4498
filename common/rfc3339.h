// Wall-clock times as text: RFC 3339 in UTC with nanosecond digits, the shape Docker's API and
// log shippers read ("2026-12-07T13:12:00.123000000Z").
#pragma once

#include <cstdint>
#include <string>

namespace shoal {

std::string rfc3339(std::uint64_t unix_ms);
// The same from Unix nanoseconds (task log records keep every digit).
std::string rfc3339_ns(std::uint64_t unix_ns);

}  // namespace shoal
