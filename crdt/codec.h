// msgpack codec for states/deltas and digests. Decoding takes untrusted bytes: it never throws
// and never crashes; anything malformed or over the limits is a Result error naming what was
// wrong. Positional arrays (no field names) keep deltas small; the envelope's version guards
// schema changes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/envelope.h"
#include "common/result.h"
#include "crdt/desired_state.h"

namespace shoal::crdt {

struct Digest;  // crdt/digest.h

Bytes encode_state(const DesiredState& state);
Result<DesiredState> decode_state(const std::uint8_t* data, std::size_t size);
inline Result<DesiredState> decode_state(const Bytes& bytes) {
  return decode_state(bytes.data(), bytes.size());
}

Bytes encode_digest(const Digest& digest);
Result<Digest> decode_digest(const std::uint8_t* data, std::size_t size);

}  // namespace shoal::crdt
