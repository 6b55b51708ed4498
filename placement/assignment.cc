#include "placement/assignment.h"

#include <algorithm>

namespace shoal::placement {

std::optional<std::uint32_t> Assignment::service_index(std::string_view name) const {
  auto it = std::lower_bound(services.begin(), services.end(), name);
  if (it == services.end() || *it != name) return std::nullopt;
  return static_cast<std::uint32_t>(it - services.begin());
}

std::optional<std::uint32_t> Assignment::node_index(std::string_view name) const {
  auto it = std::lower_bound(nodes.begin(), nodes.end(), name,
                             [](const NodeId& n, std::string_view v) { return n.name < v; });
  if (it == nodes.end() || it->name != name) return std::nullopt;
  return static_cast<std::uint32_t>(it - nodes.begin());
}

std::optional<NodeId> Assignment::node_of(std::string_view service, std::uint32_t slot) const {
  auto s = service_index(service);
  if (!s) return std::nullopt;
  PlacedTask key{*s, slot, 0};
  auto it = std::lower_bound(tasks.begin(), tasks.end(), key, [](const PlacedTask& a, const PlacedTask& b) {
    return a.service != b.service ? a.service < b.service : a.slot < b.slot;
  });
  if (it == tasks.end() || it->service != *s || it->slot != slot) return std::nullopt;
  return nodes[it->node];
}

std::vector<std::uint32_t> Assignment::load_per_node() const {
  std::vector<std::uint32_t> load(nodes.size(), 0);
  for (const PlacedTask& t : tasks) ++load[t.node];
  return load;
}

std::uint64_t count_moved(const Assignment& before, const Assignment& after) {
  // Both task lists are sorted by (service name, slot) because indices follow name order, so a
  // merge walk matches slots without building a map.
  std::uint64_t moved = 0;
  std::size_t i = 0, j = 0;
  while (i < before.tasks.size() && j < after.tasks.size()) {
    const PlacedTask& a = before.tasks[i];
    const PlacedTask& b = after.tasks[j];
    if (a.slot == kGlobalSlot) { ++i; continue; }
    if (b.slot == kGlobalSlot) { ++j; continue; }
    int by_name = before.services[a.service].compare(after.services[b.service]);
    if (by_name < 0 || (by_name == 0 && a.slot < b.slot)) { ++i; continue; }
    if (by_name > 0 || (by_name == 0 && a.slot > b.slot)) { ++j; continue; }
    if (before.nodes[a.node] != after.nodes[b.node]) ++moved;
    ++i;
    ++j;
  }
  return moved;
}

}  // namespace shoal::placement
