// Parsing of human units on the command line: sizes ("512MiB", "1G", "1048576") and durations
// ("2s", "500ms", "1m30s"). Errors name the flag value and show a valid example.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace shoal {

// Bytes. Suffixes: none/B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T (all binary: 1K = 1024, as Docker).
Result<std::uint64_t> parse_size_bytes(std::string_view text);
// Longest duration parse_duration_ms accepts: 365 days. Every duration shoal takes (update
// delay and monitor, health intervals, restart delay and window, timeouts) is meant in seconds
// to hours; a year is far beyond any sensible value yet small enough that `now_ms + duration`
// cannot overflow an int64 deadline (365 d = 3.2e10 ms, int64 holds 9.2e18). Without a cap,
// "99999999999h" wrapped around uint64 and was stored as 9.5e15 ms.
inline constexpr std::uint64_t kMaxDurationMs = 365ull * 24 * 3'600'000;

// Milliseconds. Units: ms, s, m, h; several may be chained ("1m30s"); a bare number is seconds.
// Error above kMaxDurationMs (with the limit in the message), never a wrapped-around value.
Result<std::uint64_t> parse_duration_ms(std::string_view text);
// CPUs as a decimal ("0.5", "2") -> millicores.
Result<std::uint64_t> parse_cpu_millis(std::string_view text);

std::string format_size(std::uint64_t bytes);        // "512MiB"
std::string format_duration(std::uint64_t ms);       // "1m30s", "250ms"

}  // namespace shoal
