// The versioned wire envelope every shoal message travels in: msgpack array [v, type, body],
// body = msgpack bytes of the type's own schema. Decoding untrusted bytes never throws out of
// here and never allocates more than the limits below; anything off is a Result error whose
// `reason` the transport counts (dropped packets by reason, `shoal agent info`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shoal {

using Bytes = std::vector<std::uint8_t>;

// Bumped when a message schema changes incompatibly; other versions are dropped and counted.
inline constexpr std::uint32_t kWireVersion = 1;

// Bounds applied while decoding untrusted msgpack: a packet cannot make us allocate a huge
// array/map/string. 64 KiB is the largest UDP payload; TCP frames are bounded separately.
struct DecodeLimits {
  std::size_t max_array = 65536;
  std::size_t max_map = 65536;
  std::size_t max_str = 1 << 20;
  std::size_t max_bin = 1 << 24;
  std::size_t max_depth = 16;
};

struct Envelope {
  std::uint32_t version = kWireVersion;
  std::uint32_t type = 0;
  Bytes body;
};

// Why a packet was dropped; one counter each.
enum class DropReason : std::uint8_t {
  kTruncated,       // shorter than a header
  kOversized,       // larger than the configured limit
  kUnknownKey,      // key id matches no installed key
  kBadMac,          // authentication failed (wrong key, tampering)
  kReplayed,        // (epoch, counter) seen already, behind the window, or a retired epoch
  kWrongDestination,  // authentic, but sealed for another node (captured and replayed to us)
  kWrongChannel,    // authentic, but sealed for another channel (e.g. a reply sent as a request)
  kMalformed,       // not valid msgpack / schema
  kUnknownVersion,  // envelope version we do not speak
  kUnknownType,     // message type we do not know
  kCount
};

const char* drop_reason_name(DropReason reason);

struct DecodeError {
  DropReason reason;
  std::string detail;
};

Bytes encode_envelope(std::uint32_t type, const Bytes& body);

// Returns the envelope, or sets *why and returns an error.
Result<Envelope> decode_envelope(const std::uint8_t* data, std::size_t size, DropReason* why);

}  // namespace shoal
