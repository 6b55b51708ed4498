// The agent's desired-state replica: persistence (atomic state file in --data-dir), gossip of
// deltas, anti-entropy over TCP, and the join-time full sync.
#include <cstdio>

#include "agent/agent_defaults.h"
#include "agent/agent_impl.h"
#include "agent/atomic_file.h"
#include "agent/state_sync.h"
#include "agent/user_message.h"
#include "crdt/codec.h"

namespace shoal {

namespace {

using namespace agent_defaults;

constexpr const char* kStateFile = "/state.bin";

}  // namespace

Status Agent::load_state() {
  std::string path = config_.data_dir + kStateFile;
  auto bytes = read_file(path);
  if (!bytes) return {};  // first start: empty state
  auto state = crdt::decode_state(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size());
  if (!state) return make_error("state file " + path + " is unreadable (" + state.message() +
                                "); move it aside to start empty and resync from peers");
  replica_.restore(std::move(*state));
  return {};
}

Status Agent::persist_state_now() {
  persist_pending_ = false;
  Bytes bytes = crdt::encode_state(replica_.state());
  return write_file_atomically(config_.data_dir + kStateFile,
                               std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void Agent::schedule_persist() {
  if (persist_pending_) return;
  persist_pending_ = true;
  persist_timer_.expires_after(std::chrono::milliseconds(kPersistDebounceMs));
  persist_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || !persist_pending_) return;
    if (auto s = persist_state_now(); !s) log_line("cannot persist state: " + s.message());
  });
}

Status Agent::commit_local_write(const crdt::DesiredState& delta) {
  if (auto s = persist_state_now(); !s) return s;
  broadcast_delta(delta);
  on_state_changed();
  return {};
}

void Agent::merge_remote(const crdt::DesiredState& delta) {
  if (delta.empty()) return;
  replica_.merge(delta);
  schedule_persist();
  on_state_changed();
}

void Agent::broadcast_delta(const crdt::DesiredState& delta) {
  Bytes msg = encode_user_message(UserMessageKind::kStateDelta, crdt::encode_state(delta));
  if (swim_->broadcast_user(std::move(msg)).ok()) {
    transport_->pump();
    return;
  }
  // Too large for one gossip packet: push it to every live peer over TCP instead.
  Bytes push = encode_sync_push(delta);
  for (const NodeId& peer : live_peers())
    if (auto m = swim_->member(peer)) transport_->send_app_stream(m->addr, push, nullptr);
}

std::vector<NodeId> Agent::live_peers() const {
  std::vector<NodeId> out;
  for (const auto& m : swim_->members())
    if (m.id.name != config_.name &&
        (m.status == membership::MemberStatus::kAlive || m.status == membership::MemberStatus::kSuspect))
      out.push_back(m.id);
  return out;
}

void Agent::schedule_anti_entropy() {
  const std::uint64_t now_ms = now().mono_ms;
  std::uint64_t due = anti_entropy_.next_deadline_ms();
  sync_timer_.expires_after(std::chrono::milliseconds(due > now_ms ? due - now_ms : 0));
  sync_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || leave_started_ms_ != 0) return;
    anti_entropy_round();
    schedule_anti_entropy();
  });
}

void Agent::anti_entropy_round() {
  auto peers = live_peers();
  auto request = anti_entropy_.poll(now().mono_ms, replica_.state(), peers);
  // Every member that has not left must have seen a tombstone before it goes (a failed member
  // may be cut off and come back); the horizon in crdt/config.h bounds the wait.
  std::vector<NodeId> gc_peers;
  for (const auto& m : swim_->members())
    if (m.id.name != config_.name && m.status != membership::MemberStatus::kLeft) gc_peers.push_back(m.id);
  (void)anti_entropy_.collect_garbage(replica_.state_for_gc(), gc_peers, now().wall_ms);
  if (request) sync_with(request->peer);
}

// One anti-entropy exchange with `peer`: send our digest, merge what it sends back, then push
// what it lacks according to the digest it sent with its reply.
void Agent::sync_with(const NodeId& peer) {
  auto member = swim_->member(peer);
  if (!member) return;
  Bytes request = encode_sync_digest({NodeId{config_.name}, anti_entropy_.digest(replica_.state())});
  std::string addr = member->addr;
  transport_->send_app_stream(addr, std::move(request), [this, peer, addr](std::optional<Envelope> env) {
    if (!env) return;
    auto reply = decode_sync_reply(*env);
    if (!reply) {
      swim_->count_drop(DropReason::kMalformed);
      return;
    }
    merge_remote(reply->delta);
    note_synced();
    crdt::DesiredState lacking = anti_entropy_.on_digest(peer, reply->digest, replica_.state());
    if (!lacking.empty()) transport_->send_app_stream(addr, encode_sync_push(lacking), nullptr);
  });
}

void Agent::note_synced() {
  if (!settle_ || settle_->is_settled()) return;  // every later anti-entropy round: nothing to do
  settle_->on_synced();
  on_state_changed();  // check the gate now, not at the next periodic round
}

std::optional<Bytes> Agent::handle_app_stream(const std::string& from, const Envelope& env) {
  if (env.type == static_cast<std::uint32_t>(SyncType::kSyncDigest)) {
    auto digest = decode_sync_digest(env);
    if (!digest) {
      swim_->count_drop(DropReason::kMalformed);
      return std::nullopt;
    }
    crdt::DesiredState delta = anti_entropy_.on_digest(digest->from, digest->digest, replica_.state());
    return encode_sync_reply({std::move(delta), anti_entropy_.digest(replica_.state())});
  }
  if (env.type == static_cast<std::uint32_t>(SyncType::kSyncPush)) {
    auto delta = decode_sync_push(env);
    if (!delta) {
      swim_->count_drop(DropReason::kMalformed);
      return std::nullopt;
    }
    merge_remote(*delta);
    note_synced();
    return encode_sync_ack();
  }
  if (env.type == static_cast<std::uint32_t>(SyncType::kLogsRequest)) {
    auto req = decode_logs_request(env);
    if (!req) {
      swim_->count_drop(DropReason::kMalformed);
      return std::nullopt;
    }
    return encode_logs_reply(local_logs(req->service, req->tail_lines));
  }
  swim_->count_drop(DropReason::kUnknownType);
  return std::nullopt;
}

}  // namespace shoal
