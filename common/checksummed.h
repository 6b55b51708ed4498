// A checksummed container for state kept on disk: an 8-byte magic naming the format and its
// version, the xxh3-64 of the payload (little endian), then the payload. A file that was edited,
// truncated or bit-rotted fails the check instead of being believed (issue 13 saw a one-byte
// change in a state file loaded silently and spread to every node).
//
// xxh3, not a MAC: this catches accidents, not an attacker who can write the data dir (who could
// recompute any checksum, and could read the key file beside it anyway).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "common/envelope.h"
#include "common/result.h"

namespace shoal {

using Magic = std::array<char, 8>;

inline constexpr std::size_t kChecksummedHeaderBytes = 16;  // magic + xxh3-64

// Whether `data` starts with `magic` (a file written by this format, as opposed to an older
// unchecksummed one that its reader may still migrate).
bool has_magic(std::string_view data, const Magic& magic);

Bytes seal_checksummed(const Magic& magic, const Bytes& payload);

// The payload of `data`, checked; an error says what is wrong (not this format, short, checksum).
Result<std::string_view> open_checksummed(const Magic& magic, std::string_view data);

}  // namespace shoal
