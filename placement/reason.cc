#include "placement/reason.h"

#include <algorithm>
#include <cstdio>

#include "placement/constraint.h"

namespace shoal::placement {

std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  double value = static_cast<double>(bytes);
  while (value >= 1024.0 && unit < 6) {
    value /= 1024.0;
    ++unit;
  }
  char buf[32];
  if (unit == 0 || value == static_cast<double>(static_cast<std::uint64_t>(value)))
    std::snprintf(buf, sizeof buf, "%.0f%s", value, kUnits[unit]);
  else
    std::snprintf(buf, sizeof buf, "%.1f%s", value, kUnits[unit]);
  return buf;
}

std::string format_cpu(std::uint64_t millis) { return std::to_string(millis) + "m"; }

namespace {

std::string no_active_node(const std::vector<NodeRoom>& nodes) {
  std::size_t down = 0, paused = 0, draining = 0;
  for (const NodeRoom& r : nodes) {
    if (!r.node->alive) ++down;
    else if (r.node->availability == Availability::kPause) ++paused;
    else if (r.node->availability == Availability::kDrain) ++draining;
  }
  return "no active node (" + std::to_string(nodes.size()) + " known: " + std::to_string(down) +
         " down, " + std::to_string(paused) + " paused, " + std::to_string(draining) +
         " draining)";
}

std::string constraint_list(const std::vector<Constraint>& cs) {
  std::string out;
  for (const Constraint& c : cs) out += (out.empty() ? "" : ", ") + describe(c);
  return out;
}

}  // namespace

std::string explain_unplaceable(const Service& service, const std::vector<NodeRoom>& nodes) {
  std::vector<const NodeRoom*> active;
  for (const NodeRoom& r : nodes)
    if (r.active) active.push_back(&r);
  if (active.empty()) return no_active_node(nodes);

  for (const Constraint& c : service.constraints) {
    bool any = std::any_of(active.begin(), active.end(),
                           [&](const NodeRoom* r) { return satisfies(r->node->labels, c); });
    if (!any) return "no active node satisfies " + describe(c);
  }
  std::vector<const NodeRoom*> eligible;
  for (const NodeRoom* r : active)
    if (satisfies_all(r->node->labels, service.constraints)) eligible.push_back(r);
  if (eligible.empty())
    return "no active node satisfies all of " + constraint_list(service.constraints);

  std::uint64_t best_cpu = 0, best_mem = 0;
  for (const NodeRoom* r : eligible) {
    best_cpu = std::max(best_cpu, r->free_cpu_millis);
    best_mem = std::max(best_mem, r->free_memory_bytes);
  }
  if (service.memory_bytes > best_mem)
    return "insufficient memory: need " + format_bytes(service.memory_bytes) +
           ", best node has " + format_bytes(best_mem) + " free";
  if (service.cpu_millis > best_cpu)
    return "insufficient cpu: need " + format_cpu(service.cpu_millis) + ", best node has " +
           format_cpu(best_cpu) + " free";
  return "no node has both " + format_cpu(service.cpu_millis) + " cpu and " +
         format_bytes(service.memory_bytes) + " memory free (most cpu free: " +
         format_cpu(best_cpu) + ", most memory free: " + format_bytes(best_mem) + ")";
}

}  // namespace shoal::placement
