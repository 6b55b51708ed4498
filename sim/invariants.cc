#include "sim/invariants.h"

#include <map>
#include <tuple>

namespace shoal::sim {

namespace {

// A slot of a replicated service, or a global service's task on one node (node set).
using SlotKey = std::tuple<std::string, std::uint32_t, std::string>;

std::string describe(const SlotKey& k) {
  return std::get<0>(k) + (std::get<2>(k).empty() ? "." + std::to_string(std::get<1>(k)) : "@" + std::get<2>(k));
}

std::string join_lines(const std::vector<std::string>& errors) {
  std::string out;
  for (std::size_t i = 0; i < errors.size() && i < 6; ++i) out += (out.empty() ? "" : "\n") + errors[i];
  if (errors.size() > 6) out += "\n... " + std::to_string(errors.size() - 6) + " more";
  return out;
}

// The causal context (`seen`) is left out: an event superseded before it reached a node (a task
// status overwritten by its runner's next report) is never delivered there, so contexts may
// differ by such holes while every value is the same.
bool same_content(const crdt::DesiredState& a, const crdt::DesiredState& b) {
  return a.services == b.services && a.availability == b.availability && a.tasks == b.tasks;
}

}  // namespace

crdt::DesiredState without_tombstones(const crdt::DesiredState& s) {
  crdt::DesiredState out = s;
  for (auto it = out.services.entries.begin(); it != out.services.entries.end();) {
    it->second.removed.clear();
    it = it->second.live.empty() ? out.services.entries.erase(it) : std::next(it);
  }
  for (auto& [writer, entries] : out.tasks.writers) std::erase_if(entries, [](const auto& kv) { return !kv.second.value; });
  std::erase_if(out.tasks.writers, [](const auto& kv) { return kv.second.empty(); });
  return out;
}

std::string check_replicas_agree(const Cluster& c, bool ignore_tombstones) {
  std::optional<NodeIndex> first;
  std::string differ;
  for (NodeIndex i = 0; i < c.size(); ++i) {
    if (!c.up(i)) continue;
    if (!first) {
      first = i;
      continue;
    }
    const bool same = ignore_tombstones ? same_content(without_tombstones(c.state(i)), without_tombstones(c.state(*first)))
                                        : same_content(c.state(i), c.state(*first));
    if (!same) differ += " " + c.sim().name(i);
  }
  if (differ.empty()) return "";
  return "desired state differs from " + c.sim().name(*first) + "'s on:" + differ;
}

std::string check_exactly_once(const Cluster& c) {
  std::optional<NodeIndex> first;
  for (NodeIndex i = 0; i < c.size() && !first; ++i)
    if (c.up(i)) first = i;
  if (!first) return "";
  const placement::Assignment a = c.assignment(*first);
  std::vector<std::string> errors;
  for (NodeIndex i = *first + 1; i < c.size(); ++i)
    if (c.up(i) && !(c.assignment(i) == a))
      errors.push_back(c.sim().name(i) + " places differently from " + c.sim().name(*first));

  std::map<SlotKey, std::string> want;  // slot -> the node placement chose
  for (const auto& t : a.tasks) {
    const std::string& node = a.nodes[t.node].name;
    if (t.slot == placement::kGlobalSlot) want[{a.services[t.service], 0, node}] = node;
    else want[{a.services[t.service], t.slot, ""}] = node;
  }
  std::map<SlotKey, std::vector<std::string>> runs;  // slot -> the nodes where a task of it runs
  const crdt::DesiredState& state = c.state(*first);
  for (NodeIndex i = 0; i < c.size(); ++i) {
    if (!c.up(i)) continue;
    const std::string node = c.sim().name(i);
    for (const LocalTask& t : c.runtime(i).live()) {
      const crdt::Service* svc = state.service(t.service);
      const bool global = svc && svc->spec.mode == ServiceMode::kGlobal;
      runs[{t.service, t.slot, global ? node : ""}].push_back(node + " (" + t.id + ")");
    }
  }
  for (const auto& [slot, node] : want) {
    auto it = runs.find(slot);
    const std::size_t n = it == runs.end() ? 0 : it->second.size();
    if (n != 1) {
      std::string where;
      if (it != runs.end())
        for (const auto& r : it->second) where += " " + r;
      errors.push_back(describe(slot) + " runs " + std::to_string(n) + " times (placed on " + node + ")" +
                       (where.empty() ? "" : ":" + where));
    } else if (it->second[0].rfind(node + " ", 0) != 0) {
      errors.push_back(describe(slot) + " runs on " + it->second[0] + ", placed on " + node);
    }
  }
  for (const auto& [slot, where] : runs)
    if (!want.count(slot)) errors.push_back(describe(slot) + " runs on " + where[0] + " but is not placed anywhere");
  return join_lines(errors);
}

}  // namespace shoal::sim
