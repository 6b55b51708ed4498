// The membership wire schema. Every message is a common/envelope.h envelope {v, type, body}
// whose body is a msgpack array of the fields below, in order. A compound packet is an envelope
// of type kCompound whose body is a msgpack array of bin, each a complete single-message
// envelope (compounds do not nest). Node names are validated like NodeId (1..64 bytes of
// [A-Za-z0-9._-]); metadata travels as encoded NodeMeta bytes (bounded).
//
// Decoding untrusted bytes never throws and never allocates beyond DecodeLimits; a bad packet
// is rejected whole with the DropReason the caller counts.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "common/envelope.h"
#include "common/result.h"

namespace shoal::membership {

enum class MessageType : std::uint32_t {
  kPing = 1,
  kAck = 2,
  kPingReq = 3,
  kNack = 4,
  kSuspect = 5,
  kAlive = 6,
  kDead = 7,
  kLeave = 8,
  kPushPull = 9,
  kCompound = 10,
  kUser = 11,
};

// Direct probe. `target` is the name the sender expects to answer: a different node now at
// that address drops it instead of acking for the dead one.
struct Ping {
  std::uint32_t seq = 0;
  std::string target;
  std::string source;
  bool operator==(const Ping&) const = default;
};
// wall_ms: the responder's wall clock when it answered (0 = unknown); the prober estimates the
// responder's clock offset from it (membership/clock_offset.h).
struct Ack {
  std::uint32_t seq = 0;
  std::uint64_t wall_ms = 0;
  bool operator==(const Ack&) const = default;
};
// "Probe `target` at `target_addr` for me, answer with my seq" (SWIM ping-req; Lifeguard adds
// the nack when the target stays silent).
struct PingReq {
  std::uint32_t seq = 0;
  std::string target;
  std::string target_addr;
  bool want_nack = true;
  bool operator==(const PingReq&) const = default;
};
struct Nack {
  std::uint32_t seq = 0;
  bool operator==(const Nack&) const = default;
};
struct Suspect {
  std::string node;
  std::uint64_t incarnation = 0;
  std::string from;  // the accuser; distinct accusers confirm a suspicion
  bool operator==(const Suspect&) const = default;
};
struct Alive {
  std::string node;
  std::string addr;
  std::uint64_t incarnation = 0;
  Bytes meta;  // encoded NodeMeta
  bool operator==(const Alive&) const = default;
};
struct Dead {
  std::string node;
  std::uint64_t incarnation = 0;
  std::string from;
  bool operator==(const Dead&) const = default;
};
struct Leave {
  std::string node;
  std::uint64_t incarnation = 0;
  bool operator==(const Leave&) const = default;
};
struct PushPullEntry {
  std::string node;
  std::string addr;
  std::uint8_t status = 0;  // MemberStatus
  std::uint64_t incarnation = 0;
  Bytes meta;
  bool operator==(const PushPullEntry&) const = default;
};
// Full state exchange (reliable). `join`: sent by join(); `reply`: the answer on the same stream.
struct PushPull {
  std::string from;
  bool join = false;
  bool reply = false;
  std::vector<PushPullEntry> members;
  Bytes user_state;  // opaque, empty = none
  bool operator==(const PushPull&) const = default;
};
// A user payload; (origin, id) identifies it for de-duplication.
struct UserMsg {
  std::string origin;
  std::uint64_t id = 0;
  Bytes payload;
  bool operator==(const UserMsg&) const = default;
};

using Message = std::variant<Ping, Ack, PingReq, Nack, Suspect, Alive, Dead, Leave, PushPull, UserMsg>;

MessageType message_type(const Message& message);

// One message in its own envelope.
Bytes encode_message(const Message& message);

// Several encoded messages (from encode_message) in one compound envelope.
Bytes encode_compound(const std::vector<Bytes>& encoded_messages);

// Bytes a compound adds around its parts: worst case for the envelope and array header, and
// per part (its bin header). Used to budget a packet.
inline constexpr std::size_t kCompoundOverheadBytes = 16;
inline constexpr std::size_t kCompoundPartOverheadBytes = 5;

// A packet (single message or compound) into its messages. On error sets *why.
Result<std::vector<Message>> decode_packet(const std::uint8_t* data, std::size_t size, DropReason* why);

}  // namespace shoal::membership
