// Helpers shared by the API verb files (commands.cc, state_commands.cc).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "agent/api_protocol.h"
#include "agent/flags.h"
#include "common/result.h"

namespace shoal {

class Agent;

inline ApiResponse fail(const std::string& message, int code = 1) { return {code, "", "shoal: " + message + "\n"}; }
inline ApiResponse ok(std::string out) { return {0, std::move(out), ""}; }

// --format table|json (default table).
inline Result<bool> want_json(const ParsedFlags& f) {
  std::string fmt = f.get("--format", "table");
  if (fmt != "table" && fmt != "json") return make_error("--format: '" + fmt + "' is not table or json");
  return fmt == "json";
}

inline std::string labels_text(const std::map<std::string, std::string>& labels) {
  std::string s;
  for (const auto& [k, v] : labels) s += (s.empty() ? "" : ",") + k + "=" + v;
  return s.empty() ? "-" : s;
}

// Verb groups implemented in state_commands.cc.
// `pinned`: the image the write names -> the reference to store (canonical, with the digest the
// accepting node resolved; image_pinning.cc). A write naming an image not in it is refused, so
// no unpinned, uncanonical reference reaches the state by another path.
using ImagePins = std::map<std::string, std::string>;
ApiResponse cmd_service(Agent& agent, const std::vector<std::string>& args, const ImagePins& pinned = {});
// The image a `service create|update` names ("" = none), and whether it asks not to pin it.
struct NamedImage {
  std::string text;
  bool no_resolve = false;
};
Result<NamedImage> image_named_by(const std::vector<std::string>& args);
ApiResponse cmd_node(Agent& agent, const std::vector<std::string>& args);
// The pieces `stack` reuses (state_commands.cc): a create with its VIP claim, a durable write,
// the image pin, `service ls` over flags (which take --filter label=K[=V] and name=PREFIX).
ApiResponse create_service_with(Agent& agent, const std::string& name, crdt::ServiceSpec spec);
// `service history NAME`: each field's origin and the conflict journal (agent/service_history.cc).
ApiResponse service_history(Agent& agent, const ParsedFlags& f);
ApiResponse finish_write(Agent& agent, node::WriteOp op, const std::string& done);
Status pin_image(crdt::ServiceSpec& spec, const crdt::ServiceSpec* before, const ImagePins& pinned);
ApiResponse service_ls(Agent& agent, const ParsedFlags& f);
// Verbs implemented in stack_commands.cc (`stack deploy` answers asynchronously, through
// Agent::stack_deploy_async).
ApiResponse cmd_stack(Agent& agent, const std::vector<std::string>& args);
ApiResponse cmd_state(Agent& agent, const std::vector<std::string>& args);

}  // namespace shoal
