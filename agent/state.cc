// The node core's I/O: the state file in --data-dir, gossip of deltas, anti-entropy over TCP.
// The core (node/node_core.h) decides what to persist, send and sync; this file moves bytes.
#include <chrono>
#include <cstdio>

#include <unistd.h>

#include "agent/agent_defaults.h"
#include "agent/agent_impl.h"
#include "agent/join_hint.h"
#include "agent/atomic_file.h"
#include "agent/state_sync.h"
#include "agent/user_message.h"
#include "common/checksummed.h"
#include "common/log.h"
#include "crdt/codec.h"

namespace shoal {

namespace {

constexpr const char* kStateFile = "/state.bin";
constexpr const char* kPreviousSuffix = ".prev";
// state.bin's header (common/checksummed.h); the last byte is the format's version.
constexpr Magic kStateMagic = {'S', 'H', 'O', 'A', 'L', 'S', 'T', 1};

}  // namespace

Result<crdt::DesiredState> Agent::load_state() {
  std::string path = config_.data_dir + kStateFile;
  auto bytes = read_file(path);
  if (!bytes) return crdt::DesiredState{};  // first start: empty state
  auto refuse = [&](const std::string& why) -> Result<crdt::DesiredState> {
    return make_error("state file " + path + " is unreadable (" + why + "); move it aside to start empty and " +
                      "resync from peers, or rename " + path + kPreviousSuffix + " (the generation before) to " +
                      path + " to start from that");
  };
  std::string_view payload = *bytes;
  // A file without the header is the format before checksums: read it once, the next write
  // migrates it.
  if (has_magic(payload, kStateMagic)) {
    auto checked = open_checksummed(kStateMagic, payload);
    if (!checked) return refuse(checked.message());
    payload = *checked;
  }
  auto state = crdt::decode_state(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size());
  if (!state) return refuse(state.message());
  shell_metrics_.state_bytes = payload.size();
  return std::move(*state);
}

Status Agent::write_state(const Bytes& bytes) {
  const std::string path = config_.data_dir + kStateFile;
  // Keep the generation being replaced: a file that later fails its checksum (bad disk, an
  // edit) leaves the operator one known-good step back. Hard link, then rename over the old
  // .prev, so the current file exists at every instant.
  const std::string prev = path + kPreviousSuffix, prev_tmp = prev + ".tmp";
  (void)::unlink(prev_tmp.c_str());
  if (::link(path.c_str(), prev_tmp.c_str()) == 0) (void)::rename(prev_tmp.c_str(), prev.c_str());
  Bytes sealed = seal_checksummed(kStateMagic, bytes);
  Status written = write_file_atomically(path, std::string_view(reinterpret_cast<const char*>(sealed.data()), sealed.size()));
  if (written) shell_metrics_.state_bytes = bytes.size();
  return written;
}

Status Agent::commit_write(node::WriteOp op) {
  SHOAL_ASSERT(!driving_);  // API verbs run from the event loop, never from inside drive()
  const std::uint64_t id = next_write_id_++;
  node::NodeInput in;
  in.writes.push_back({id, std::move(op)});
  drive(std::move(in));
  // Persistence is synchronous here, so the ack came within this drive().
  auto it = write_acks_.find(id);
  SHOAL_ASSERT(it != write_acks_.end());
  Status s = std::move(it->second);
  write_acks_.erase(it);
  return s;
}

void Agent::drive(node::NodeInput input) {
  if (driving_) {
    queued_inputs_.push_back(std::move(input));
    return;
  }
  driving_ = true;
  std::uint64_t deadline = 0;
  int rounds = 0;
  for (bool more = true; more;) {
    SHOAL_ASSERT(++rounds <= node::kMaxDriveRounds);
    const bool deciding = input.local_tasks.has_value();  // this step places (metrics: its duration)
    const auto step_start = std::chrono::steady_clock::now();
    node::NodeOutput out = core_->step(now(), swim_->members(), std::move(input));
    if (deciding && out.decision)
      shell_metrics_.placement_seconds.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start).count());
    input = {};
    carry_out(out, input);
    deadline = out.next_deadline_ms;
    if (!queued_inputs_.empty()) {
      node::merge_input(input, std::move(queued_inputs_.front()));
      queued_inputs_.erase(queued_inputs_.begin());
    }
    more = node::has_work(input);
  }
  driving_ = false;
  arm_core_timer(deadline);
}

void Agent::carry_out(node::NodeOutput& out, node::NodeInput& next) {
  for (const auto& line : out.log) log_info(line);
  for (auto& e : out.events) record_event(std::move(e));
  for (const auto& p : out.persist) next.persisted.push_back({p.ticket, write_state(p.state)});
  for (auto& a : out.acks) write_acks_[a.id] = std::move(a.result);
  for (const auto& delta : out.broadcast) broadcast_delta(delta);
  for (const auto& peer : out.sync_with) sync_with(peer);
  if (!out.join.empty() && leave_started_ms_ == 0) {
    if (out.join_retry) log_warning(join_hint(out.join, swim_->counters(), transport_->stream_stats()));
    swim_->join(now().mono_ms, out.join);
    transport_->pump();
  }
  if (out.decision) act_on(*out.decision, next);
  if (out.reconcile && runtime_ && !stopping()) {
    refresh_network();
    next.local_tasks = local_tasks();
  }
}

void Agent::arm_core_timer(std::uint64_t deadline_ms) {
  const std::uint64_t now_ms = now().mono_ms;
  core_timer_.expires_after(std::chrono::milliseconds(deadline_ms > now_ms ? deadline_ms - now_ms : 0));
  core_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || leave_started_ms_ != 0) return;
    drive({});
  });
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

// One anti-entropy exchange with `peer`: send our digest, merge what it sends back, then push
// what it lacks according to the digest it sent with its reply.
void Agent::sync_with(const NodeId& peer) {
  auto member = swim_->member(peer);
  if (!member) return;
  Bytes request = encode_sync_digest({NodeId{config_.name}, core_->digest()});
  std::string addr = member->addr;
  shell_metrics_.sync_bytes_sent += request.size();
  transport_->send_app_stream(addr, std::move(request), [this, peer, addr](std::optional<Envelope> env) {
    if (!env) return;
    shell_metrics_.sync_bytes_received += env->body.size();
    auto reply = decode_sync_reply(*env);
    if (!reply) {
      swim_->count_drop(DropReason::kMalformed);
      return;
    }
    node::NodeInput in;
    in.remote_deltas.push_back({peer, std::move(reply->delta)});
    in.synced = true;
    in.synced_with.push_back(peer);
    drive(std::move(in));
    crdt::DesiredState lacking = core_->on_peer_digest(peer, reply->digest);
    if (lacking.empty()) return;
    Bytes push = encode_sync_push(lacking);
    shell_metrics_.sync_bytes_sent += push.size();
    transport_->send_app_stream(addr, std::move(push), nullptr);
  });
}

std::optional<Bytes> Agent::handle_app_stream(const std::string& from, const Envelope& env) {
  if (env.type == static_cast<std::uint32_t>(SyncType::kSyncDigest)) {
    auto digest = decode_sync_digest(env);
    if (!digest) {
      swim_->count_drop(DropReason::kMalformed);
      return std::nullopt;
    }
    crdt::DesiredState delta = core_->on_peer_digest(digest->from, digest->digest);
    Bytes reply = encode_sync_reply({std::move(delta), core_->digest()});
    shell_metrics_.sync_bytes_received += env.body.size();
    shell_metrics_.sync_bytes_sent += reply.size();
    return reply;
  }
  if (env.type == static_cast<std::uint32_t>(SyncType::kSyncPush)) {
    auto delta = decode_sync_push(env);
    if (!delta) {
      swim_->count_drop(DropReason::kMalformed);
      return std::nullopt;
    }
    shell_metrics_.sync_bytes_received += env.body.size();
    node::NodeInput in;
    in.remote_deltas.push_back({NodeId{from}, std::move(*delta)});  // a push names no sender: its address
    in.synced = true;
    drive(std::move(in));
    return encode_sync_ack();
  }
  if (env.type == static_cast<std::uint32_t>(SyncType::kLogsRequest)) {
    auto req = decode_logs_request(env);
    if (!req) {
      swim_->count_drop(DropReason::kMalformed);
      return std::nullopt;
    }
    return encode_logs_reply(local_logs(*req));
  }
  if (env.type == static_cast<std::uint32_t>(SyncType::kBlobRequest)) return serve_blob_request(env);
  if (env.type == static_cast<std::uint32_t>(SyncType::kViewRequest)) return encode_view_reply(member_statuses());
  swim_->count_drop(DropReason::kUnknownType);
  return std::nullopt;
}

}  // namespace shoal
