// Messages the agent gossips through the membership user channel (broadcast_user): a one-byte
// kind, then the kind's body. The channel is sealed with the cluster key like all gossip, so
// only cluster members can send these.
#pragma once

#include <cstdint>
#include <string>

#include "common/envelope.h"
#include "common/result.h"

namespace shoal {

enum class UserMessageKind : std::uint8_t {
  kKeyOp = 1,       // cluster-wide key rotation (shoal keys install|use|remove)
  kStateDelta = 2,  // a desired-state CRDT delta
};

enum class KeyOp : std::uint8_t { kInstall = 1, kUse = 2, kRemove = 3 };

struct KeyOpMessage {
  KeyOp op;
  std::string key_b64;
  std::uint64_t id;  // random, so two identical ops issued at different times are distinct
};

Bytes encode_user_message(UserMessageKind kind, const Bytes& body);
// Splits kind and body; error on an empty or unknown message.
Result<std::pair<UserMessageKind, Bytes>> decode_user_message(const Bytes& data);

Bytes encode_key_op(const KeyOpMessage& m);
Result<KeyOpMessage> decode_key_op(const Bytes& body);

}  // namespace shoal
