// Agent internals shared by agent.cc (wiring, lifecycle) and commands.cc (API verbs).
#pragma once

#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/agent_config.h"
#include "agent/agent_defaults.h"
#include "agent/api_protocol.h"
#include "agent/api_server.h"
#include "agent/blob_exchange.h"
#include "agent/docker_api_server.h"
#include "agent/event_file.h"
#include "agent/flags.h"
#include "agent/known_peers.h"
#include "agent/metrics_server.h"
#include "agent/peer_views.h"
#include "agent/shell_metrics.h"
#include "agent/state_sync.h"
#include "agent/user_message.h"
#include "common/keyring.h"
#include "crdt/desired_state.h"
#include "image/reference.h"
#include "membership/swim.h"
#include "membership/system_clock.h"
#include "membership/transport_asio.h"
#include "agent/dataplane.h"
#include "node/event_log.h"
#include "node/node_core.h"
#include "placement/assignment.h"
#include "runtime/runtime.h"

namespace shoal {

struct ImageState;   // image_commands.cc
struct PulledImage;  // image_commands.cc

// What a task of an image needs before it can start (task_images.cc).
struct ImagePreparation {
  enum Kind { kReady, kWaiting, kFailed } kind = kReady;
  std::string reason;  // kWaiting: why (pulling, or the last pull's error); kFailed: the error
};

// What `service logs` asks each node (agent/logs.cc): the user's window, or for a follow (the
// CLI's --node-since NODE=TIME,...) each node's own point to go on from. Per node, because
// each node's times come from its own clock: one node's clock behind another's must not hide
// its lines.
struct LogsQuery {
  LogsRequest request;
  std::map<std::string, std::string> node_since;
  LogsRequest for_node(const std::string& node) const;
};

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

  // A local write: the node core stages it, the shell persists it, and only once it is durable
  // is it applied, gossiped and acknowledged (node/node_core.h). Returns the op's error or the
  // persistence error; on error nothing was applied or spread.
  Status commit_write(node::WriteOp op);

  // Workload (workload.cc, workload_commands.cc).
  ApiResponse service_ps(const ParsedFlags& flags);
  ApiResponse service_progress(const ParsedFlags& flags);
  placement::Assignment current_assignment() const;

  // Images (image_commands.cc): `shoal image ...`. pull and load run on a worker thread and
  // answer later through `respond`; the rest answer at once.
  ApiResponse cmd_image(const std::vector<std::string>& args);
  ApiResponse cmd_events(const std::vector<std::string>& args);  // events.cc
  // `events --after SEQ --wait-ms N`, the CLI's follow: answered at once if something is new,
  // else held until an event the follower wants is recorded or N ms pass (events.cc).
  void events_async(std::vector<std::string> args, ApiServer::Respond respond);
  // Calls `wake` once, on the io thread: when an event after `after_seq` is recorded, or at
  // `deadline_ms` (monotonic), whichever is first. Followers hold a question this way.
  void wait_for_event(std::uint64_t after_seq, std::uint64_t deadline_ms, std::function<void()> wake);
  // Runs `fn` on the io thread after `ms` (a follow's next look at the logs).
  void after_ms(std::uint64_t ms, std::function<void()> fn);
  void image_async(const std::vector<std::string>& args, ApiServer::Respond respond);
  // `service create|update` naming an image: pins it to a digest first (image_pinning.cc).
  void service_write_async(const ApiRequest& request, ApiServer::Respond respond);
  void stack_deploy_async(const ApiRequest& request, ApiServer::Respond respond);  // stack_commands.cc
  // Pins the image `text` names to its digest (the canonical "registry/path:tag@sha256:..."),
  // asking the registry on a worker; `done` runs on the io thread. `no_resolve`: canonical tag,
  // unpinned. `what` prefixes the log line when the held digest stands in for the registry's.
  void pin_image_async(const std::string& text, bool no_resolve, const std::string& what,
                       std::function<void(Result<std::string>)> done);
  // Every live node's log lines of a service (this one's and each peer's over the gossip
  // transport), merged by time in the exchanged form (agent/task_log_lines.h); `done` runs on
  // the io thread once all answered or timed out. Error past kMaxLogsAnswerBytes in all.
  void gather_logs(const LogsQuery& query, std::function<void(Result<std::string>)> done);

  const AgentConfig& config() const { return config_; }
  // The time of the event being handled: the agent's only reading of the clocks.
  Now now() const { return clock_.now(); }
  const crdt::DesiredState& state() const { return core_->state(); }
  const node::NodeCore& core() const { return *core_; }
  const node::EventLog& events() const { return events_; }
  // The web view asks: each peer's member view as last heard (agent/peer_views.h), and from
  // now on for kPeerViewWatchMs, a fresh one every kPeerViewIntervalMs.
  nlohmann::json watched_peer_views();
  std::uint64_t event_file_bad_lines() const { return event_file_ ? event_file_->bad_lines() : 0; }
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
  // The peers file (agent/known_peers.h): read at start, rewritten when a new peer is seen.
  KnownPeers load_known_peers() const;
  void remember_peers(const std::vector<membership::Event>& events);
  void on_user_payloads(const std::vector<membership::UserPayload>& payloads);
  void apply_key_op(const KeyOpMessage& m);
  // Desired state: the node core's I/O -- persistence and sync (state.cc).
  Result<crdt::DesiredState> load_state();
  Status write_state(const Bytes& bytes);
  // Feeds the core one input and carries out what it asks, until it asks for nothing more;
  // then arms the core's timer. Re-entrant calls (a handler run from inside) queue their input.
  void drive(node::NodeInput input);
  void carry_out(node::NodeOutput& out, node::NodeInput& next);
  void arm_core_timer(std::uint64_t deadline_ms);
  void broadcast_delta(const crdt::DesiredState& delta);
  void sync_with(const NodeId& peer);
  std::optional<Bytes> handle_app_stream(const std::string& from, const Envelope& env);
  // This node's log lines of a service, within kMaxLogsAnswerBytes (error past it).
  Result<std::string> local_logs(const LogsRequest& request) const;
  std::vector<NodeId> live_peers() const;

  // The dataplane (network.cc); dataplane_ is null with --network host.
  Status open_dataplane();
  std::optional<NetworkView> network_view() const;
  void refresh_network();
  void adopt_task_networks();
  Status open_runtime();
  runtime::TaskSpec build_task_spec(const crdt::Service& svc, std::uint32_t slot, std::uint64_t version) const;
  std::vector<LocalTask> local_tasks() const;
  // Carries out a reconcile decision; what happened goes into `next` (start failures, forgets).
  void act_on(const node::ReconcileDecision& d, node::NodeInput& next);
  void forget_task(const std::string& id, node::NodeInput& next);
  void poll_runtime();
  void arm_runtime_timer(std::int64_t now_ms);
  void report_task_changes(const std::vector<runtime::TaskStatus>& changes, node::NodeInput& next);
  void watch_children();
  void stop_workload_then_leave();
  bool stopping() const { return stop_started_ms_ != 0 || leave_started_ms_ != 0; }
  void wait_for_tasks_then_leave();

  // Image tasks (task_images.cc): fills `t` from the image of `spec` and mounts the task's
  // rootfs; or asks for the image (one background pull per image) and says why it waits.
  ImagePreparation prepare_image_task(const crdt::ServiceSpec& spec, runtime::TaskSpec& t);
  void request_image(const image::Reference& ref);
  std::string task_rootfs_dir(const std::string& task_id) const;
  // Blob exchange with peers (peer_blobs.cc): the blocking ask a pull worker makes, and the
  // answer to a peer's request.
  std::optional<BlobChunkReply> ask_peer_for_blob(const std::string& addr, const BlobChunkRequest& request);
  std::optional<Bytes> serve_blob_request(const Envelope& env);
  void release_task_rootfs(const std::string& task_id);
  // The spec a slot's task runs: the current one, or the one before it mid-update.
  static const crdt::ServiceSpec& spec_for_version(const crdt::Service& svc, std::uint64_t version);

  // Opens <data-dir>/images (blob store, catalog) and the registry client (image_commands.cc).
  Status open_images();
  void finish_pull(const std::string& key, Result<std::vector<PulledImage>> outcome, const std::string& verb);
  std::optional<image::RegistryClientCounters> registry_counters() const;  // none if no client

  void begin_leave();
  void wait_for_leave();

  // Events (events.cc): the log `shoal events` reads, kept on disk in <data-dir>/events.
  Status open_events();
  void record_event(node::ClusterEvent e);

  // Metrics (metrics_agent.cc): the endpoint, the document it serves, API timing.
  Status open_metrics(const std::string& token);
  std::string render_metrics_text() const;
  void handle_timed(const ApiRequest& request, ApiServer::Respond respond);

  AgentConfig config_;
  SystemClock clock_;  // before every member that reads the time when constructed
  boost::asio::io_context io_;
  std::optional<Keyring> keyring_;
  std::optional<membership::Swim> swim_;
  std::unique_ptr<membership::Transport> transport_;
  std::unique_ptr<ApiServer> api_;
  std::unique_ptr<DockerApiServer> docker_api_;  // --docker-api (agent/docker_api_routes.h); null when off
  boost::asio::signal_set signals_;
  boost::asio::steady_timer leave_timer_;
  std::uint64_t leave_started_ms_ = 0;
  KnownPeers known_peers_;
  std::vector<std::uint64_t> seen_key_ops_;  // bounded; dedupes a key op heard twice
  std::optional<node::NodeCore> core_;  // made in init(), once the state on disk is loaded
  boost::asio::steady_timer core_timer_;  // the core's next deadline
  bool driving_ = false;
  std::vector<node::NodeInput> queued_inputs_;  // inputs that arrived while driving
  std::uint64_t next_write_id_ = 1;
  std::map<std::uint64_t, Status> write_acks_;  // acks of commit_write, taken at once
  // agent/logs.cc (owned by another change) reads replica_.state(); this keeps that spelling.
  struct StateRef {
    const std::optional<node::NodeCore>* core;
    const crdt::DesiredState& state() const { return (*core)->state(); }
  } replica_{&core_};
  std::unique_ptr<Dataplane> dataplane_;
  bool subnet_pool_exhausted_logged_ = false;
  std::unique_ptr<runtime::Runtime> runtime_;
  boost::asio::steady_timer runtime_timer_;
  boost::asio::signal_set sigchld_;
  std::uint64_t stop_started_ms_ = 0;  // graceful stop began: reconcile no longer starts tasks
  // The image store and its pull workers (image_commands.cc). A shared_ptr only because the
  // type is private to that file; the agent is its one owner. Declared after io_, so it is
  // destroyed (joining its workers) while io_ still exists for the results they post.
  std::shared_ptr<ImageState> images_;
  std::set<std::string> image_pulls_;                     // canonical refs being pulled for tasks
  std::map<std::string, std::string> image_pull_errors_;  // the last failed pull's error, per ref
  node::EventLog events_;
  std::optional<EventFile> event_file_;  // made in init(); null in between
  bool event_file_failing_ = false;      // the last append failed: logged once until one works
  ShellMetrics shell_metrics_;  // what only the shell measures (agent/shell_metrics.h)
  std::unique_ptr<MetricsServer> metrics_;  // null without --metrics-addr
  // agent/peer_views.cc: the members each peer sees, asked for while the web view is open.
  PeerViews peer_views_;
  // Followers of the event log waiting for something new (wait_for_event).
  struct EventWaiter {
    std::uint64_t after_seq = 0;
    std::uint64_t deadline_ms = 0;  // monotonic
    std::function<void()> wake;
  };
  std::vector<EventWaiter> event_waiters_;
  boost::asio::steady_timer event_wait_timer_{io_};
  void wake_event_waiters();
  void arm_event_wait_timer();
  void hold_events(std::vector<std::string> args, ApiServer::Respond respond, std::uint64_t deadline_ms);
  boost::asio::steady_timer peer_view_timer_{io_};
  std::uint64_t peer_views_watched_until_ms_ = 0;  // monotonic
  bool peer_view_loop_ = false;
  void ask_peer_views();
  std::vector<std::pair<std::string, std::string>> member_statuses() const;
};

}  // namespace shoal
