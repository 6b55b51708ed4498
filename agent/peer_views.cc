#include "agent/peer_views.h"

#include <msgpack.hpp>

#include "agent/agent_impl.h"

namespace shoal {

Bytes encode_view_request() {
  return encode_envelope(static_cast<std::uint32_t>(SyncType::kViewRequest), Bytes{});
}

Bytes encode_view_reply(const std::vector<std::pair<std::string, std::string>>& members) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  const std::size_t n = std::min(members.size(), kMaxViewMembers);
  pk.pack_array(static_cast<std::uint32_t>(n));
  for (std::size_t i = 0; i < n; ++i) pk.pack(std::make_tuple(members[i].first, members[i].second));
  return encode_envelope(static_cast<std::uint32_t>(SyncType::kViewReply), Bytes(buf.data(), buf.data() + buf.size()));
}

Result<MemberView> decode_view_reply(const Envelope& env) {
  if (env.type != static_cast<std::uint32_t>(SyncType::kViewReply)) return make_error("not a view reply");
  try {
    // Bounded before decoding: entries, pairs, and each string (a name is at most 64 bytes).
    auto oh = msgpack::unpack(reinterpret_cast<const char*>(env.body.data()), env.body.size(), nullptr, nullptr,
                              msgpack::unpack_limit(kMaxViewMembers, 0, 64, 0, 0, 3));
    MemberView v;
    v.members = oh.get().as<std::vector<std::pair<std::string, std::string>>>();
    return v;
  } catch (const std::exception& e) {
    return make_error(std::string("malformed view reply: ") + e.what());
  }
}

nlohmann::json PeerViews::to_json(std::uint64_t now_wall_ms) const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [peer, v] : views_) {
    nlohmann::json members = nlohmann::json::object();
    for (const auto& [name, status] : v.members) members[name] = status;
    out[peer] = {{"age_ms", now_wall_ms > v.received_wall_ms ? now_wall_ms - v.received_wall_ms : 0},
                 {"members", members}};
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> Agent::member_statuses() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : swim_->members()) out.emplace_back(m.id.name, membership::status_name(m.status));
  return out;
}

nlohmann::json Agent::watched_peer_views() {
  const Now t = now();
  peer_views_watched_until_ms_ = t.mono_ms + kPeerViewWatchMs;
  if (!peer_view_loop_) {
    peer_view_loop_ = true;
    ask_peer_views();
  }
  nlohmann::json views = peer_views_.to_json(t.wall_ms);
  nlohmann::json mine = nlohmann::json::object();
  for (const auto& [name, status] : member_statuses()) mine[name] = status;
  views[config_.name] = {{"age_ms", 0}, {"members", mine}};
  return views;
}

// One round: every live peer is asked; the loop goes on while the page is watched.
void Agent::ask_peer_views() {
  if (now().mono_ms >= peer_views_watched_until_ms_) {
    peer_view_loop_ = false;
    return;
  }
  for (const NodeId& id : live_peers()) {
    auto m = swim_->member(id);
    if (!m) continue;
    transport_->send_app_stream(m->addr, encode_view_request(), [this, peer = id.name](std::optional<Envelope> env) {
      if (!env) return;  // no answer: its last view stays, and ages
      auto view = decode_view_reply(*env);
      if (!view) return swim_->count_drop(DropReason::kMalformed);
      view->received_wall_ms = now().wall_ms;
      peer_views_.store(peer, std::move(*view));
    });
  }
  peer_view_timer_.expires_after(std::chrono::milliseconds(kPeerViewIntervalMs));
  peer_view_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) ask_peer_views();
  });
}

}  // namespace shoal
