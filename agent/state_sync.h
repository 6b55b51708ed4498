// Desired-state sync between agents over TCP (the membership transport's application streams):
//   kSyncDigest  request: my digest            reply kSyncReply: {delta you lack, my digest}
//   kSyncPush    one-way: a delta (anti-entropy's third leg, or a write too large for gossip)
// Small deltas ride the gossip broadcast queue instead (UserMessageKind::kStateDelta).
#pragma once

#include <cstdint>

#include "common/envelope.h"
#include "common/result.h"
#include "crdt/desired_state.h"
#include "crdt/digest.h"
#include "membership/transport_asio.h"

namespace shoal {

enum class SyncType : std::uint32_t {
  kSyncDigest = membership::kFirstAppStreamType,
  kSyncReply = membership::kFirstAppStreamType + 1,
  kSyncPush = membership::kFirstAppStreamType + 2,
  kSyncAck = membership::kFirstAppStreamType + 3,
  kLogsRequest = membership::kFirstAppStreamType + 4,  // {service, tail[, since, until]}: `service logs`
  kLogsReply = membership::kFirstAppStreamType + 5,    // text, or [error] when it cannot answer
  kBlobRequest = membership::kFirstAppStreamType + 6,  // a chunk of an image blob (agent/blob_exchange.h)
  kBlobReply = membership::kFirstAppStreamType + 7,
  kViewRequest = membership::kFirstAppStreamType + 8,  // the members a node sees (agent/peer_views.h)
  kViewReply = membership::kFirstAppStreamType + 9,
};

struct LogsRequest {
  std::string service;
  std::uint64_t tail_lines = 0;  // 0 = everything
  // Times as log records write them (runtime/log_record.h), "" = open. Sent only when one is
  // set, so a request without them still reads on a node of the previous version.
  std::string since;
  std::string until;
};

Bytes encode_logs_request(const LogsRequest& r);
Result<LogsRequest> decode_logs_request(const Envelope& env);
// The reply carries the lines, or the node's error (e.g. its part exceeds the answer limit),
// which decode_logs_reply returns as an error value.
Bytes encode_logs_reply(const Result<std::string>& text);
Result<std::string> decode_logs_reply(const Envelope& env);

struct SyncReply {
  crdt::DesiredState delta;
  crdt::Digest digest;
};

// The digest request names its sender: on TCP the source port is ephemeral, not its gossip address.
struct SyncDigest {
  NodeId from;
  crdt::Digest digest;
};

Bytes encode_sync_digest(const SyncDigest& request);
Bytes encode_sync_reply(const SyncReply& reply);
Bytes encode_sync_push(const crdt::DesiredState& delta);
Bytes encode_sync_ack();

Result<SyncDigest> decode_sync_digest(const Envelope& env);
Result<SyncReply> decode_sync_reply(const Envelope& env);
Result<crdt::DesiredState> decode_sync_push(const Envelope& env);

}  // namespace shoal
