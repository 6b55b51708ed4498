// The web view: a read-only page the agent serves at its metrics address (`/`), and the JSON it
// polls (`/view.json`): this node's view of nodes, services, where each slot runs, the members it
// sees, and its recent events. Plain HTML and JS from the binary: no build step, nothing fetched
// from the internet. In a partition each node shows its side and says the view is partial.
#pragma once

#include <string>

namespace shoal {

class Agent;

// The page (HTML with its script and style inline).
const char* web_view_html();

// The JSON the page polls every 2 s. Composed from the API verbs' own JSON (members, node ls,
// service ls, service ps), so the page shows what the CLI shows; at most kWebViewMaxServices
// services get their tasks listed (the page says how many were left out).
inline constexpr std::size_t kWebViewMaxServices = 200;
inline constexpr std::size_t kWebViewEvents = 30;
std::string render_view_json(Agent& agent);

}  // namespace shoal
