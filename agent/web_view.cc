#include "agent/web_view.h"

#include <nlohmann/json.hpp>

#include "agent/agent_impl.h"
#include "agent/event_file.h"

namespace shoal {
namespace {

using json = nlohmann::json;

// A verb's JSON answer, or null when it failed (the page shows what it has).
json verb_json(Agent& agent, std::vector<std::string> argv) {
  argv.insert(argv.end(), {"--format", "json"});
  ApiResponse r = agent.handle({"", argv});
  if (r.exit_code != 0) return nullptr;
  json j = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json(nullptr) : j;
}

}  // namespace

std::string render_view_json(Agent& agent) {
  json view;
  view["node"] = agent.config().name;
  view["time_ms"] = agent.now().wall_ms;
  view["members"] = verb_json(agent, {"members"});
  view["views"] = agent.watched_peer_views();
  view["nodes"] = verb_json(agent, {"node", "ls"});
  json services = verb_json(agent, {"service", "ls"});
  // One `service ps` for all the services listed: placement is computed once (one call per
  // service took 617 ms at 1,000 services x 3 tasks, bench/observe).
  json tasks = json::object();
  std::vector<std::string> ps{"service", "ps"};
  if (services.is_array())
    for (const auto& s : services) {
      if (ps.size() - 2 >= kWebViewMaxServices) break;
      ps.push_back(s.value("name", ""));
      tasks[ps.back()] = json::array();
    }
  if (ps.size() > 2) {
    json rows = verb_json(agent, ps);
    if (rows.is_array())
      for (auto& r : rows) tasks[r.value("service", "")].push_back(std::move(r));
  }
  view["services"] = services;
  view["tasks"] = tasks;
  view["tasks_left_out"] = services.is_array() && services.size() > kWebViewMaxServices
                               ? services.size() - kWebViewMaxServices : 0;
  json events = json::array();
  const auto& log = agent.events().events();
  for (std::size_t i = log.size() > kWebViewEvents ? log.size() - kWebViewEvents : 0; i < log.size(); ++i)
    events.push_back(event_object(log[i]));
  view["events"] = events;
  return view.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace shoal
