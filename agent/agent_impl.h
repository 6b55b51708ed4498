// Agent internals shared by agent.cc (wiring, lifecycle) and commands.cc (API verbs).
#pragma once

#include <boost/asio.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent_config.h"
#include "agent/agent_defaults.h"
#include "agent/api_protocol.h"
#include "agent/api_server.h"
#include "agent/flags.h"
#include "agent/user_message.h"
#include "common/keyring.h"
#include "crdt/anti_entropy.h"
#include "crdt/desired_state.h"
#include "membership/swim.h"
#include "membership/transport_asio.h"
#include "agent/cluster_view.h"
#include "agent/dataplane.h"
#include "agent/reconcile.h"
#include "agent/settle_gate.h"
#include "placement/assignment.h"
#include "runtime/runtime.h"

namespace shoal {

// One line on the agent's log (stderr), prefixed "shoal: ".
void log_line(const std::string& line);

class Agent {
 public:
  explicit Agent(AgentConfig config);
  Status init();
  int run();

  // API verbs (commands.cc). Most answer at once; `service logs` asks the other nodes first.
  ApiResponse handle(const ApiRequest& request);
  void handle_async(const ApiRequest& request, ApiServer::Respond respond);

  // Cluster-wide key operation: applied locally, then gossiped.
  Status key_operation(KeyOp op, const std::string& key_b64);

  // Applies a local write's delta (already in the replica): persist before acknowledging, then
  // gossip it. Returns the persistence error, if any.
  Status commit_local_write(const crdt::DesiredState& delta);

  // Workload (workload.cc, workload_commands.cc).
  ApiResponse service_ps(const ParsedFlags& flags);
  ApiResponse service_progress(const ParsedFlags& flags);
  placement::Assignment current_assignment() const;

  const AgentConfig& config() const { return config_; }
  crdt::Replica& replica() { return replica_; }
  membership::Swim& swim() { return *swim_; }
  const Keyring& keyring() const { return *keyring_; }
  std::uint64_t api_refused() const { return api_ ? api_->refused_requests() : 0; }

 private:
  Status load_keyring();
  Status persist_keyring();
  Status load_node_state(std::uint64_t* incarnation);
  Status save_node_state();
  membership::NodeMeta build_meta() const;
  void on_events(const std::vector<membership::Event>& events);
  void on_user_payloads(const std::vector<membership::UserPayload>& payloads);
  void apply_key_op(const KeyOpMessage& m);
  // Desired state: persistence and sync (state.cc).
  Status load_state();
  Status persist_state_now();
  void schedule_persist();
  void merge_remote(const crdt::DesiredState& delta);
  void broadcast_delta(const crdt::DesiredState& delta);
  void schedule_anti_entropy();
  void anti_entropy_round();
  void sync_with(const NodeId& peer);
  // A full exchange with a peer completed: the settle gate may open (reconcile re-checks it).
  void note_synced();
  std::optional<Bytes> handle_app_stream(const std::string& from, const Envelope& env);
  // Log lines of this node's tasks of `service`, each prefixed "task@node | ".
  // This node's log lines of a service, within kMaxLogsAnswerBytes (error past it).
  Result<std::string> local_logs(const std::string& service, std::size_t tail_lines) const;
  std::vector<NodeId> live_peers() const;
  // Members or desired state changed: reconcile what runs here (level-triggered).
  void on_state_changed();

  // The dataplane (network.cc); dataplane_ is null with --network host.
  Status open_dataplane();
  std::optional<NetworkView> network_view() const;
  void refresh_network();
  void adopt_task_networks();
  Status open_runtime();
  runtime::TaskSpec build_task_spec(const crdt::Service& svc, std::uint32_t slot, std::uint64_t version) const;
  void schedule_periodic_reconcile();
  void reconcile_now();
  // Whether this agent may start and stop tasks yet (agent/settle_gate.h); logs the moment it may.
  bool settled();
  bool expects_peers() const;
  void report_start_failure(const StartTask& s, const std::string& error);
  void forget_task(const std::string& id);
  void maybe_make_rollback_durable(const std::map<std::string, ServicePlan>& plans);
  void poll_runtime();
  void report_task_changes(const std::vector<runtime::TaskStatus>& changes);
  void watch_children();
  void stop_workload_then_leave();
  bool stopping() const { return stop_started_ms_ != 0 || leave_started_ms_ != 0; }
  void wait_for_tasks_then_leave();

  void try_join();
  void begin_leave();
  void wait_for_leave();

  AgentConfig config_;
  boost::asio::io_context io_;
  std::optional<Keyring> keyring_;
  std::optional<membership::Swim> swim_;
  std::unique_ptr<membership::Transport> transport_;
  std::unique_ptr<ApiServer> api_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer join_timer_;
  boost::asio::steady_timer leave_timer_;
  std::uint64_t join_backoff_ms_ = agent_defaults::kJoinBackoffFirstMs;
  std::uint64_t leave_started_ms_ = 0;
  std::vector<std::uint64_t> seen_key_ops_;  // bounded; dedupes a key op heard twice
  crdt::Replica replica_;
  crdt::AntiEntropy anti_entropy_;
  boost::asio::steady_timer sync_timer_;
  boost::asio::steady_timer persist_timer_;
  bool persist_pending_ = false;
  std::uint64_t join_sync_window_start_ms_ = 0;  // rate limit of join-time syncs
  std::uint32_t join_syncs_in_window_ = 0;
  std::unique_ptr<Dataplane> dataplane_;
  bool subnet_pool_exhausted_logged_ = false;
  std::unique_ptr<runtime::Runtime> runtime_;
  boost::asio::steady_timer runtime_timer_;
  boost::asio::steady_timer reconcile_timer_;
  boost::asio::steady_timer periodic_timer_;
  boost::asio::signal_set sigchld_;
  bool reconcile_posted_ = false;
  std::optional<SettleGate> settle_;  // made in init(), once the state on disk is loaded
  std::uint64_t stop_started_ms_ = 0;  // graceful stop began: reconcile no longer starts tasks
};

}  // namespace shoal
