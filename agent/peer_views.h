// The members each node sees, for the web view: in a partition the views disagree, and that is
// what an operator needs to see at a glance ("n1 and n2 see n3 failed; n3 sees itself alone").
// While someone has the page open, the agent asks each live peer every 2 s for its member list
// (a small app stream: kViewRequest -> kViewReply, [[name, status], ...]) and keeps the last
// answer of each with its time; a peer that stops answering keeps its last view, shown as old.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/state_sync.h"
#include "common/envelope.h"
#include "common/result.h"

namespace shoal {

// A view has at most this many members (the wire bound, before anything is decoded).
inline constexpr std::size_t kMaxViewMembers = 4096;
// How often views are asked for while the page is open, and how long after the last page load
// the asking goes on (the page refreshes every 2 s; a closed page stops the traffic).
inline constexpr std::uint64_t kPeerViewIntervalMs = 2'000;
inline constexpr std::uint64_t kPeerViewWatchMs = 30'000;

struct MemberView {
  std::vector<std::pair<std::string, std::string>> members;  // name, status ("alive", ...)
  std::uint64_t received_wall_ms = 0;
};

Bytes encode_view_request();
Bytes encode_view_reply(const std::vector<std::pair<std::string, std::string>>& members);
Result<MemberView> decode_view_reply(const Envelope& env);

// The last view heard from each peer.
class PeerViews {
 public:
  void store(const std::string& peer, MemberView view) { views_[peer] = std::move(view); }
  // {"n2": {"age_ms": 400, "members": {"n1": "alive", ...}}, ...}
  nlohmann::json to_json(std::uint64_t now_wall_ms) const;

 private:
  std::map<std::string, MemberView> views_;
};

}  // namespace shoal
