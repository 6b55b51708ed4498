// Agent internals shared by agent.cc (wiring, lifecycle) and commands.cc (API verbs).
#pragma once

#include <boost/asio.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent_config.h"
#include "agent/api_protocol.h"
#include "agent/api_server.h"
#include "agent/user_message.h"
#include "common/keyring.h"
#include "membership/swim.h"
#include "membership/transport_asio.h"

namespace shoal {

class Agent {
 public:
  explicit Agent(AgentConfig config);
  Status init();
  int run();

  // API verbs (commands.cc).
  ApiResponse handle(const ApiRequest& request);

  // Cluster-wide key operation: applied locally, then gossiped.
  Status key_operation(KeyOp op, const std::string& key_b64);

  const AgentConfig& config() const { return config_; }
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
  std::uint64_t join_backoff_ms_ = 500;
  std::uint64_t leave_started_ms_ = 0;
  bool leaving_ = false;
  std::vector<std::uint64_t> seen_key_ops_;  // bounded; dedupes a key op heard twice
};

}  // namespace shoal
