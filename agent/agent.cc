#include "agent/agent.h"

#include <sodium.h>
#include <unistd.h>

#include <cstdio>

#include "agent/agent_defaults.h"
#include "agent/agent_impl.h"
#include "agent/atomic_file.h"
#include "agent/docker_api_routes.h"
#include "agent/service_notify.h"
#include "common/log.h"
#include "common/version.h"
#include "crdt/codec.h"

namespace shoal {

namespace {

using namespace agent_defaults;

constexpr const char* kPeersFile = "/peers";

membership::Config profile_config(const std::string& profile) {
  if (profile == "wan") return membership::wan_config();
  if (profile == "local") return membership::local_config();
  return membership::lan_config();
}

std::uint64_t random_u64() {
  crypto_init();
  std::uint64_t v;
  randombytes_buf(&v, sizeof v);
  return v;
}

}  // namespace

Agent::Agent(AgentConfig config)
    : config_(std::move(config)),
      signals_(io_, SIGTERM, SIGINT),
      leave_timer_(io_),
      core_timer_(io_),
      runtime_timer_(io_),
      sigchld_(io_, SIGCHLD) {}

Status Agent::load_keyring() {
  crypto_init();
  std::string persisted = config_.data_dir + "/keyring";
  if (!config_.keyring_file.empty()) {
    auto text = read_file(config_.keyring_file);
    if (!text) return make_error("--keyring: " + text.message());
    auto ring = Keyring::from_text(*text);
    if (!ring) return make_error("--keyring " + config_.keyring_file + ": " + ring.message());
    keyring_ = std::move(*ring);
    return {};
  }
  auto key = key_from_base64(config_.key_b64);
  if (!key) return make_error("--key: " + key.message());
  // Rotations done over gossip are kept in the data dir; use them if they still know --key.
  if (auto text = read_file(persisted); text.ok()) {
    if (auto ring = Keyring::from_text(*text); ring.ok()) {
      for (const Key& k : ring->keys())
        if (k == *key) {
          keyring_ = std::move(*ring);
          return {};
        }
    }
  }
  keyring_.emplace(*key);
  return {};
}

Status Agent::persist_keyring() {
  std::string path = config_.keyring_file.empty() ? config_.data_dir + "/keyring" : config_.keyring_file;
  return write_file_atomically(path, keyring_->to_text());
}

Status Agent::load_node_state(std::uint64_t* incarnation) {
  *incarnation = 0;
  auto text = read_file(config_.data_dir + "/incarnation");
  if (text.ok()) *incarnation = std::strtoull(text->c_str(), nullptr, 10) + 1;
  return {};
}

Status Agent::save_node_state() {
  return write_file_atomically(config_.data_dir + "/incarnation", std::to_string(swim_->incarnation()) + "\n");
}

membership::NodeMeta Agent::build_meta() const {
  membership::NodeMeta meta;
  meta.labels = config_.labels;
  meta.cpu_millis = config_.cpu_millis ? config_.cpu_millis
                                       : static_cast<std::uint64_t>(::sysconf(_SC_NPROCESSORS_ONLN)) * 1000;
  meta.memory_bytes = config_.memory_bytes
                          ? config_.memory_bytes
                          : static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                                static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  meta.addresses = {split_host_port(config_.advertise, "--advertise")->first};
  meta.version = kVersion;
  if (dataplane_) {
    meta.overlay_subnet = dataplane_->claimed_subnet();
    meta.first_start_ms = dataplane_->first_start_ms();
  }
  return meta;
}

Status Agent::init() {
  auto id = parse_node_id(config_.name);
  if (!id) return make_error("--name: " + id.message());
  if (auto d = make_dirs(config_.data_dir); !d) return make_error("--data-dir: " + d.message());
  if (auto k = load_keyring(); !k) return k;
  std::uint64_t incarnation = 0;
  if (auto s = load_node_state(&incarnation); !s) return s;
  auto state = load_state();
  if (!state) return state.error();
  if (auto s = open_events(); !s) return s;
  if (auto s = open_dataplane(); !s) return s;
  if (auto s = open_runtime(); !s) return s;
  if (auto s = open_images(); !s) return s;
  adopt_task_networks();
  known_peers_ = load_known_peers();
  core_.emplace(*id, node::NodeConfig{}, random_u64(), now(), std::move(*state),
                node::JoinTargets{config_.joins, known_peers_.addrs()});
  auto swim = membership::Swim::create(profile_config(config_.profile), *id, config_.advertise,
                                       build_meta(), random_u64(), now().mono_ms,
                                       incarnation);
  if (!swim) return swim.error();
  swim_.emplace(std::move(*swim));
  if (auto s = save_node_state(); !s) return s;
  transport_ = std::make_unique<membership::Transport>(io_, *swim_, *keyring_, clock_);
  auto bind = split_host_port(config_.bind, "--bind");
  if (auto b = transport_->bind(bind->first, bind->second); !b) return b;
  transport_->on_events([this](auto events) { on_events(events); });
  transport_->on_user_payloads([this](auto payloads) { on_user_payloads(payloads); });
  transport_->on_app_stream([this](const std::string& from, const Envelope& env) { return handle_app_stream(from, env); });
  std::string token;
  if (!config_.api_token_file.empty()) {
    auto t = read_file(config_.api_token_file);
    if (!t) return make_error("--api-token-file: " + t.message());
    token = *t;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (token.empty()) return make_error("--api-token-file " + config_.api_token_file + " is empty");
  }
  api_ = std::make_unique<ApiServer>(io_, [this](const ApiRequest& r, ApiServer::Respond respond) {
    handle_timed(r, std::move(respond));
  });
  if (auto a = api_->listen(config_.api, token); !a) return a;
  if (!config_.docker_api.empty()) {
    docker_api_ = std::make_unique<DockerApiServer>(io_, [this](const DockerRequest& r, DockerApiServer::Respond respond) { route_docker_request(*this, r, std::move(respond)); });
    if (auto d = docker_api_->listen(config_.docker_api, token); !d) return d;
  }
  return open_metrics(token);
}

KnownPeers Agent::load_known_peers() const {
  const std::string path = config_.data_dir + kPeersFile;
  auto text = read_file(path);
  if (!text) return {};  // first start, or never saw a peer
  std::size_t dropped = 0;
  KnownPeers peers = KnownPeers::decode(*text, &dropped);
  if (dropped > 0)
    log_warning(path + ": " + std::to_string(dropped) + " lines ignored (not host:port, or past the first " +
             std::to_string(KnownPeers::kMaxPeers) + ")");
  return peers;
}

void Agent::remember_peers(const std::vector<membership::Event>& events) {
  bool changed = false;
  for (const auto& e : events)
    if (e.kind == membership::Event::kJoined && e.member.id.name != config_.name) changed |= known_peers_.saw(e.member.addr);
  if (!changed) return;
  if (auto s = write_file_atomically(config_.data_dir + kPeersFile, known_peers_.encode()); !s)
    log_warning("cannot remember peers (a restart without --join may not find the cluster): " + s.message());
}

void Agent::on_events(const std::vector<membership::Event>& events) {
  for (const auto& e : events) {
    log_info(membership::describe_event(e));  // clock-offset warnings name the peer and the offset
  }
  remember_peers(events);
  node::NodeInput in;
  in.member_events = events;
  drive(std::move(in));
}

void Agent::on_user_payloads(const std::vector<membership::UserPayload>& payloads) {
  node::NodeInput in;
  for (const auto& p : payloads) {
    auto msg = decode_user_message(p.data);
    if (!msg) continue;
    if (msg->first == UserMessageKind::kKeyOp) {
      if (auto op = decode_key_op(msg->second); op.ok()) apply_key_op(*op);
    } else if (msg->first == UserMessageKind::kStateDelta) {
      if (auto delta = crdt::decode_state(msg->second); delta.ok()) in.remote_deltas.push_back({p.from, std::move(*delta)});
    }
  }
  if (!in.remote_deltas.empty()) drive(std::move(in));
}

void Agent::apply_key_op(const KeyOpMessage& m) {
  for (std::uint64_t seen : seen_key_ops_)
    if (seen == m.id) return;
  seen_key_ops_.push_back(m.id);
  if (seen_key_ops_.size() > kSeenKeyOpsMax) seen_key_ops_.erase(seen_key_ops_.begin());
  auto key = key_from_base64(m.key_b64);
  if (!key) return;
  Status s;
  if (m.op == KeyOp::kInstall) s = keyring_->install(*key);
  else if (m.op == KeyOp::kUse) s = keyring_->use(*key);
  else s = keyring_->remove(*key);
  if (!s) {
    log_warning("key operation from the cluster not applied here: " + s.message());
    return;
  }
  if (auto p = persist_keyring(); !p) log_warning("cannot persist keyring: " + p.message());
}

Status Agent::key_operation(KeyOp op, const std::string& key_b64) {
  auto key = key_from_base64(key_b64);
  if (!key) return key.error();
  Keyring trial = *keyring_;  // validate before gossiping, so errors reach the user
  Status s = op == KeyOp::kInstall ? trial.install(*key) : op == KeyOp::kUse ? trial.use(*key) : trial.remove(*key);
  if (!s) return s;
  KeyOpMessage m{op, key_b64, random_u64()};
  // Gossip first (sealed with the current primary, which every node still holds), then apply.
  if (auto b = swim_->broadcast_user(encode_user_message(UserMessageKind::kKeyOp, encode_key_op(m))); !b)
    return b;
  apply_key_op(m);
  transport_->pump();
  return {};
}

void Agent::begin_leave() {
  if (leave_started_ms_ != 0) return;
  log_info("leaving the cluster");
  leave_started_ms_ = now().mono_ms;
  swim_->leave(leave_started_ms_);
  transport_->pump();
  wait_for_leave();
}

void Agent::wait_for_leave() {
  std::uint64_t waited = now().mono_ms - leave_started_ms_;
  // num_alive() no longer counts us once we left: 0 means nobody is left to tell.
  if (swim_->leave_broadcast_done() || waited >= kLeaveMaxWaitMs || swim_->num_alive() == 0) {
    transport_->stop();
    api_->close();
    if (metrics_) metrics_->close();
    if (docker_api_) docker_api_->close();
    io_.stop();
    return;
  }
  leave_timer_.expires_after(std::chrono::milliseconds(50));
  leave_timer_.async_wait([this](boost::system::error_code ec) { if (!ec) wait_for_leave(); });
}

int Agent::run() {
  signals_.async_wait([this](boost::system::error_code ec, int) { if (!ec) stop_workload_then_leave(); });
  transport_->start();
  watch_children();
  drive({});  // the first reconcile round is due at once
  log_info("agent " + config_.name + " listening on " + config_.bind + ", api " + config_.api);
  notify_service_manager("READY=1");
  io_.run();
  (void)save_node_state();
  // Remote merges not yet on disk: one last write (local writes are on disk already).
  if (auto s = write_state(crdt::encode_state(core_->state())); !s) log_warning("cannot persist state: " + s.message());
  return 0;
}

int run_agent(const AgentConfig& config) {
  set_log_settings({config.log_format, config.log_level, config.name});
  Agent agent(config);
  if (auto s = agent.init(); !s) {
    log_error("agent: " + s.message());
    return 1;
  }
  return agent.run();
}

}  // namespace shoal
