// Node metadata gossiped with every alive message: labels (placement constraints), capacity
// (placement fit), addresses (overlay/data plane endpoints) and the agent version. Encoded as a
// msgpack array; the encoded size is bounded (Config::meta_max_bytes, 512 like memberlist's
// MetaMaxSize) so an alive message always fits in one UDP packet.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/envelope.h"
#include "common/result.h"

namespace shoal::membership {

struct NodeMeta {
  std::map<std::string, std::string> labels;
  std::uint64_t cpu_millis = 0;      // schedulable CPU, 1000 = one core
  std::uint64_t memory_bytes = 0;    // schedulable memory
  std::vector<std::string> addresses;  // e.g. overlay underlay address "10.0.0.5"
  std::string version;               // agent version, for rolling upgrades
  // Dataplane (empty/0 when the node runs without the overlay): the task subnet the node holds
  // ("10.200.3.0/24"), its claim in the subnet allocation, and when it first started, which
  // orders claims (older nodes keep contested subnets; overlay/subnet_allocator.h).
  std::string overlay_subnet;
  std::uint64_t first_start_ms = 0;

  bool operator==(const NodeMeta&) const = default;
};

inline constexpr std::size_t kDefaultMetaMaxBytes = 512;

// Error (naming the size and the bound) if the encoding exceeds max_bytes.
Result<Bytes> encode_meta(const NodeMeta& meta, std::size_t max_bytes = kDefaultMetaMaxBytes);

// Untrusted input: never throws; error on bad msgpack, wrong shape, or more than max_bytes.
Result<NodeMeta> decode_meta(const std::uint8_t* data, std::size_t size,
                             std::size_t max_bytes = kDefaultMetaMaxBytes);
inline Result<NodeMeta> decode_meta(const Bytes& bytes, std::size_t max_bytes = kDefaultMetaMaxBytes) {
  return decode_meta(bytes.data(), bytes.size(), max_bytes);
}

}  // namespace shoal::membership
