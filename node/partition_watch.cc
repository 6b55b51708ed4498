#include "node/partition_watch.h"

namespace shoal::node {

namespace {

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

}  // namespace

ClusterEvent PartitionWatch::event(std::string action) const {
  ClusterEvent e = make_event(EventType::kMember, std::move(action), self_);
  // Counted with this node, as `shoal members` and the web view count.
  e.attributes["reachable"] = std::to_string(reachable_.size() + 1);
  e.attributes["members"] = std::to_string(reachable_.size() + unreachable_.size() + 1);
  return e;
}

std::optional<ClusterEvent> PartitionWatch::on_member_event(const membership::Event& e, std::uint64_t now_mono_ms) {
  const std::string& name = e.member.id.name;
  if (name == self_) return std::nullopt;
  const bool was_partial = partial();
  switch (e.kind) {
    case membership::Event::kSuspect:
    case membership::Event::kFailed:
      reachable_.erase(name);
      unreachable_.insert(name);
      break;
    case membership::Event::kLeft:
      reachable_.erase(name);
      if (unreachable_.erase(name) > 0) gone_.insert(name);
      break;
    case membership::Event::kJoined:
    case membership::Event::kAlive:
    case membership::Event::kUpdated:
      if (unreachable_.erase(name) > 0) came_back_.insert(name);
      reachable_.insert(name);
      break;
    case membership::Event::kClockOffset:
    case membership::Event::kClockOffsetOk:
      return std::nullopt;
  }
  if (!was_partial && partial()) {
    partial_since_ms_ = now_mono_ms;
    ClusterEvent out = event("partition_suspected");
    out.attributes["unreachable"] = joined(unreachable_);
    return out;
  }
  if (was_partial && !partial()) {
    ClusterEvent out = event("partition_healed");
    out.attributes["duration_ms"] = std::to_string(now_mono_ms - partial_since_ms_);
    if (!came_back_.empty()) out.attributes["back"] = joined(came_back_);
    if (!gone_.empty()) out.attributes["left"] = joined(gone_);
    came_back_.clear();
    gone_.clear();
    return out;
  }
  return std::nullopt;
}

}  // namespace shoal::node
