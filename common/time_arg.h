// A point in time as Docker's `--since`/`--until` take it (docker events, docker service logs):
// a Unix timestamp in seconds ("1733580000", "1733580000.5"), an RFC 3339 time
// ("2026-12-07T13:12:00Z", "2026-12-07T14:12:00+01:00", or a date "2026-12-07" meaning its
// midnight UTC), or a duration before now ("10m", "1h30m"). Pure: the caller gives now.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace shoal {

// Unix milliseconds; an error says which spellings are accepted.
Result<std::uint64_t> parse_time_arg(std::string_view text, std::uint64_t now_ms);

// RFC 3339 (as above, fraction optional) to Unix milliseconds.
Result<std::uint64_t> parse_rfc3339(std::string_view text);

}  // namespace shoal
