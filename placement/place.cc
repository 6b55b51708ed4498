#include "placement/place.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "placement/constraint.h"
#include "placement/full_skipper.h"
#include "placement/hash_ring.h"
#include "placement/home_pull.h"
#include "placement/load_cap.h"
#include "placement/name_index.h"
#include "placement/reason.h"
#include "placement/ring_sweep.h"
#include "placement/service_count.h"

namespace shoal::placement {
namespace {

constexpr std::uint32_t kNoNode = std::numeric_limits<std::uint32_t>::max();

// ---------------------------------------------------------------------------------------------
// The input in canonical order (nodes and services sorted by name), checked.

struct Cluster {
  std::vector<const Node*> nodes;       // by name; index = node index in the Assignment
  std::vector<const Service*> services; // by name; index = service index
  std::vector<std::uint64_t> node_hash;
  std::vector<std::uint64_t> service_hash;
  std::vector<bool> active;             // alive and availability active
  std::size_t active_count = 0;
  std::uint64_t total_slots = 0;        // replicated slots plus one per node per global service
};

Status check_config(const PlacementConfig& c) {
  if (!(c.load_epsilon >= 0.0) || !std::isfinite(c.load_epsilon))
    return make_error("placement load_epsilon must be a finite number >= 0");
  if (c.vnodes_per_node < 1 || c.vnodes_per_node > 10'000)
    return make_error("placement vnodes_per_node must be in 1..10000");
  if (c.overflow_choices < 1) return make_error("placement overflow_choices must be >= 1");
  if (c.probes_per_slot < 1 || c.probes_per_slot > 1000)
    return make_error("placement probes_per_slot must be in 1..1000");
  if (c.sweep_scan_depth < 1) return make_error("placement sweep_scan_depth must be >= 1");
  if (!std::isfinite(c.pull_below_mean) || !std::isfinite(c.pull_up_to_mean) ||
      !(c.pull_below_mean >= 0.0) || !(c.pull_up_to_mean >= c.pull_below_mean))
    return make_error("placement needs 0 <= pull_below_mean <= pull_up_to_mean (finite)");
  return {};
}

Result<Cluster> canonical(const PlacementInput& in, const PlacementConfig& config) {
  if (Status s = check_config(config); !s) return s.error();
  Cluster c;
  for (const Node& n : in.nodes) c.nodes.push_back(&n);
  for (const Service& s : in.services) c.services.push_back(&s);
  std::sort(c.nodes.begin(), c.nodes.end(),
            [](const Node* a, const Node* b) { return a->id < b->id; });
  std::sort(c.services.begin(), c.services.end(),
            [](const Service* a, const Service* b) { return a->name < b->name; });
  if (c.nodes.size() >= kNoNode || c.services.size() >= kNoNode)
    return make_error("too many nodes or services for one placement");
  for (std::size_t i = 0; i < c.nodes.size(); ++i) {
    if (c.nodes[i]->id.name.empty()) return make_error("a node has an empty name");
    if (i > 0 && c.nodes[i]->id == c.nodes[i - 1]->id)
      return make_error("node '" + c.nodes[i]->id.name + "' appears twice in the input");
  }
  std::uint64_t slots = 0;
  for (std::size_t i = 0; i < c.services.size(); ++i) {
    const Service& s = *c.services[i];
    if (s.name.empty()) return make_error("a service has an empty name");
    if (i > 0 && s.name == c.services[i - 1]->name)
      return make_error("service '" + s.name + "' appears twice in the input");
    slots += s.mode == ServiceMode::kGlobal ? c.nodes.size() : s.replicas;
    if (slots > config.max_total_slots)
      return make_error("the services ask for more than " +
                        std::to_string(config.max_total_slots) +
                        " task slots in total (last counted: '" + s.name + "')");
  }
  c.total_slots = slots;
  for (const Node* n : c.nodes) {
    c.node_hash.push_back(stable_hash(n->id.name));
    bool active = n->alive && n->availability == Availability::kActive;
    c.active.push_back(active);
    c.active_count += active;
  }
  for (const Service* s : c.services) c.service_hash.push_back(stable_hash(s->name));
  return c;
}

// ---------------------------------------------------------------------------------------------
// What is left on each node as tasks are placed.

struct Ledger {
  std::vector<std::uint64_t> free_cpu;
  std::vector<std::uint64_t> free_mem;
  std::vector<std::uint32_t> load;  // replicated tasks per node (the bounded-load count)
  ServiceCount per_service;         // tasks of (service, node)

  Ledger(const Cluster& c, std::size_t tasks) : per_service(tasks) {
    for (const Node* n : c.nodes) {
      free_cpu.push_back(n->cpu_millis);
      free_mem.push_back(n->memory_bytes);
    }
    load.assign(c.nodes.size(), 0);
  }

  bool fits(std::uint32_t n, const Service& s) const {
    return free_cpu[n] >= s.cpu_millis && free_mem[n] >= s.memory_bytes;
  }
  std::uint32_t count_of(std::uint32_t n, std::uint32_t svc) const {
    return per_service.get(svc, n);
  }
  void take(std::uint32_t n, std::uint32_t svc, const Service& s, bool counts_for_load) {
    SHOAL_ASSERT(fits(n, s));
    free_cpu[n] -= s.cpu_millis;
    free_mem[n] -= s.memory_bytes;
    if (counts_for_load) ++load[n];
    per_service.add(svc, n);
  }
  // A replicated task leaves node n (the opposite of take(n, svc, s, true)).
  void give_back(std::uint32_t n, std::uint32_t svc, const Service& s) {
    SHOAL_ASSERT(load[n] > 0);
    free_cpu[n] += s.cpu_millis;
    free_mem[n] += s.memory_bytes;
    --load[n];
    per_service.remove(svc, n);
  }
};

// ---------------------------------------------------------------------------------------------
// Rings per eligibility class (constraint set, optionally narrowed to one spread label value),
// built once per placement and shared by every service of the class.

struct ClassRing {
  HashRing ring;
  FullSkipper skipper;
  std::vector<bool> member;  // per node: its points are on this ring
  std::size_t node_count = 0;
  std::uint32_t id = 0;      // index in Placer::rings_

  ClassRing(HashRing r, std::vector<bool> members, std::size_t nodes, std::uint32_t index)
      : ring(std::move(r)), skipper(ring.size()), member(std::move(members)), node_count(nodes),
        id(index) {}
};

std::string constraints_key(const std::vector<Constraint>& cs) {
  std::vector<Constraint> sorted = cs;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string key;
  for (const Constraint& c : sorted) key += describe(c) + '\x1f';
  return key;
}

// Spread group of a node: its label value, or none when the label is missing (one group of its
// own, as in Docker Swarm).
using GroupValue = std::optional<std::string>;

GroupValue group_of(const Node& n, const std::string& label) {
  auto it = n.labels.find(label);
  if (it == n.labels.end()) return std::nullopt;
  return it->second;
}

std::uint64_t group_hash(const GroupValue& v) {
  return v ? stable_hash(*v) ^ 0x9e3779b97f4a7c15ULL : 0x5bd1e9955bd1e995ULL;
}

// Each active node's ring points, sorted, to measure how far a slot lies from a node's next
// point: the ring's preference among the nodes a slot's running task is reported on.
class NodePoints {
 public:
  NodePoints(const HashRing& ring, std::size_t nodes) : start_(nodes + 1, 0) {
    for (std::size_t i = 0; i < ring.size(); ++i) ++start_[ring.at(i).node + 1];
    for (std::size_t n = 0; n < nodes; ++n) start_[n + 1] += start_[n];
    hashes_.resize(ring.size());
    std::vector<std::uint32_t> fill(start_.begin(), start_.end() - 1);
    // Ring order is hash order, so each node's run comes out sorted.
    for (std::size_t i = 0; i < ring.size(); ++i) hashes_[fill[ring.at(i).node]++] = ring.at(i).hash;
  }

  // Clockwise distance from `h` to the node's first point at or after it, wrapping past the
  // end of the ring as the ring does. The node must have points.
  std::uint64_t distance(std::uint32_t node, std::uint64_t h) const {
    auto first = hashes_.begin() + start_[node];
    auto last = hashes_.begin() + start_[node + 1];
    SHOAL_ASSERT(first != last);
    auto it = std::lower_bound(first, last, h);
    return (it == last ? *first : *it) - h;  // unsigned: wraps modulo 2^64
  }

 private:
  std::vector<std::uint32_t> start_;  // per node: first index in hashes_
  std::vector<std::uint64_t> hashes_;
};

class Placer {
 public:
  Placer(const Cluster& c, const PlacementInput& in, const PlacementConfig& config)
      : c_(c), in_(in), config_(config), ledger_(c, c.total_slots) {
    offsets_.push_back(0);
    for (const Service* s : c_.services)
      offsets_.push_back(offsets_.back() + (s->mode == ServiceMode::kReplicated ? s->replicas : 0));
    slot_node_.assign(offsets_.back(), kNoNode);
    global_on_.resize(c_.services.size());
  }

  Assignment run() {
    resolve_running();
    keep_paused_tasks();
    place_global();
    prepare_replicated();
    keep_running_tasks();
    place_replicated();
    return emit();
  }

 private:
  // A running task whose service and node are known, by index.
  struct Claim {
    std::uint32_t service = 0;
    std::uint32_t slot = 0;
    std::uint32_t node = 0;
  };

  // Running tasks naming a service and a node of this input (others are stale gossip: ignored).
  void resolve_running() {
    if (in_.running.empty()) return;
    std::vector<std::string_view> node_names, service_names;
    for (const Node* n : c_.nodes) node_names.push_back(n->id.name);
    for (const Service* s : c_.services) service_names.push_back(s->name);
    NameIndex nodes(std::move(node_names), c_.node_hash);
    NameIndex services(std::move(service_names), c_.service_hash);
    claims_.reserve(in_.running.size());
    // Task lists come grouped by service, so the last service looked up is usually the next.
    const std::string* last_name = nullptr;
    std::uint32_t last = NameIndex::kMissing;
    for (const RunningTask& t : in_.running) {
      if (last_name == nullptr || t.service != *last_name) {
        last_name = &t.service;
        last = services.find(t.service);
      }
      std::uint32_t n = nodes.find(t.node.name);
      if (last == NameIndex::kMissing || n == NameIndex::kMissing) continue;
      claims_.push_back(Claim{last, t.slot, n});
    }
  }

  // --- rule 1: paused nodes keep what they run -----------------------------------------------
  // No cap or per-service limit here: a paused node takes nothing new, so what it keeps is what
  // it had (and it does not count toward the bounded-load mean). In (service, slot, node) order.
  void keep_paused_tasks() {
    std::vector<Claim> paused;
    for (const Claim& t : claims_) {
      const Node& node = *c_.nodes[t.node];
      if (node.alive && node.availability == Availability::kPause) paused.push_back(t);
    }
    std::sort(paused.begin(), paused.end(), [](const Claim& a, const Claim& b) {
      return std::tie(a.service, a.slot, a.node) < std::tie(b.service, b.slot, b.node);
    });
    for (const Claim& t : paused) {
      const std::uint32_t s = t.service;
      const std::uint32_t n = t.node;
      const Service& svc = *c_.services[s];
      if (!satisfies_all(c_.nodes[n]->labels, svc.constraints) || !ledger_.fits(n, svc)) continue;
      if (svc.mode == ServiceMode::kGlobal) {
        if (std::find(global_on_[s].begin(), global_on_[s].end(), n) != global_on_[s].end())
          continue;
        global_on_[s].push_back(n);
      } else {
        if (t.slot >= svc.replicas || slot_node_[offsets_[s] + t.slot] != kNoNode) continue;
        slot_node_[offsets_[s] + t.slot] = n;
        ++pinned_replicated_;
      }
      ledger_.take(n, s, svc, false);
    }
  }

  // --- rule 2: global services -----------------------------------------------------------------
  void place_global() {
    for (std::uint32_t s = 0; s < c_.services.size(); ++s) {
      const Service& svc = *c_.services[s];
      if (svc.mode != ServiceMode::kGlobal) continue;
      bool any_eligible = false;
      for (std::uint32_t n = 0; n < c_.nodes.size(); ++n) {
        if (!c_.active[n] || !satisfies_all(c_.nodes[n]->labels, svc.constraints)) continue;
        any_eligible = true;
        if (ledger_.fits(n, svc)) {
          ledger_.take(n, s, svc, false);
          global_on_[s].push_back(n);
        } else {
          unplaced_.push_back(UnplacedSlot{s, kGlobalSlot, "node " + c_.nodes[n]->id.name + ": " +
                                                               explain_one_node(n, svc)});
        }
      }
      if (!any_eligible && global_on_[s].empty())
        unplaced_.push_back(UnplacedSlot{s, kGlobalSlot, explain(svc)});
      std::sort(global_on_[s].begin(), global_on_[s].end());
    }
  }

  // --- rule 3: replicated services -------------------------------------------------------------
  // Every slot gets a position on the ring of the nodes it may use (its constraint class, or one
  // spread group of it): the nearest of a few probes before a point of that ring. Then one sweep
  // of the ring of all active nodes (ring_sweep.h) hands the slots out, each node taking the
  // eligible slots nearest behind its points first. One sweep for every class, rather than one
  // per class in some order, so that a slot moved by a change in one class cannot take the room
  // a slot of a later class counted on. What the sweep leaves goes through `fallback`.
  struct SpreadGroup {
    GroupValue value;
    std::uint64_t hash = 0;
    ClassRing* ring = nullptr;
  };

  // Spread services: each slot's value (group), chosen before any node is, and what a node of
  // each group may hold.
  struct SpreadPlan {
    std::vector<SpreadGroup>* groups = nullptr;
    std::vector<std::uint32_t> per_node;  // per group
    std::vector<std::uint32_t> quota;     // per group: slots still to give that value
    std::vector<std::uint32_t> group_of;  // per slot
  };

  // The load caps, the rings of every replicated service and the spread plans: what both the
  // sticky pass and the sweep need.
  void prepare_replicated() {
    std::uint64_t to_place = 0;
    for (const Service* s : c_.services)
      if (s->mode == ServiceMode::kReplicated) to_place += s->replicas;
    to_place -= pinned_replicated_;
    const double bound = load_bound(config_.load_epsilon, to_place, c_.active_count);
    cap_.resize(c_.nodes.size());
    keep_limit_.resize(c_.nodes.size());
    for (std::uint32_t n = 0; n < c_.nodes.size(); ++n) {
      cap_[n] = load_cap(bound, c_.node_hash[n]);
      keep_limit_[n] = keep_limit(bound, c_.node_hash[n]);
    }
    to_place_ = to_place;
    set_points();  // before the first ring is built
    service_ring_.assign(c_.services.size(), nullptr);
    service_plan_.assign(c_.services.size(), nullptr);
    for (std::uint32_t s = 0; s < c_.services.size(); ++s) {
      const Service& svc = *c_.services[s];
      if (svc.mode != ServiceMode::kReplicated || svc.replicas == 0) continue;
      service_ring_[s] = &class_ring(svc.constraints);
      if (svc.spread_label) service_plan_[s] = &plan_spread(s, *service_ring_[s]);
    }
  }

  // --- rule 3a: sticky placement -----------------------------------------------------------
  // A replicated slot whose task runs now on an active node stays there while the slot exists,
  // the node meets the constraints, the reservation fits, the node holds fewer than
  // ceil((1 + eps) x mean) tasks (keep_limit in load_cap.h: the bound itself, not the dithered
  // cap used for placing), and it holds fewer than the per-service limit of the service (and,
  // with spread, the slot's label value has quota left). Then a node leaving moves exactly its
  // own tasks, and a node joining moves only what it pulls (rule 3c) and the tasks above a
  // ceiling that the lower mean brings down (docs/placement.md).
  //
  // Order, so the result does not depend on the order of the running list:
  //  - a slot named on several nodes (a transient duplicate while a task moves) is claimed by
  //    the node the ring prefers: the smallest clockwise distance from the slot's position to
  //    one of the node's points (then the smaller node index); the other claims are dropped,
  //    and the slot is an orphan if that node cannot keep it;
  //  - each node keeps its claims nearest behind its points first (the sweep's own preference),
  //    so when the cap is contested the farthest ones are shed;
  //  - nodes go in name order (this orders only the use of a spread value's quota).
  // The node of a claim that could not be kept is remembered (`home_`): if no node has room
  // under the cap for the slot, the cap yields there first, so a placement is a fixed point of
  // itself even where the cap had to yield.
  void keep_running_tasks() {
    struct Candidate {
      std::uint64_t distance = 0;
      std::uint32_t service = 0;
      std::uint32_t slot = 0;
    };
    // Claims on active nodes for live slots that constraints admit, bucketed by node.
    std::vector<std::uint32_t> start(c_.nodes.size() + 1, 0);
    auto eligible = [&](const Claim& t) {
      const Service& svc = *c_.services[t.service];
      return svc.mode == ServiceMode::kReplicated && t.slot < svc.replicas && c_.active[t.node] &&
             slot_node_[offsets_[t.service] + t.slot] == kNoNode &&
             service_ring_[t.service]->member[t.node];
    };
    std::size_t count = 0;
    for (const Claim& t : claims_)
      if (eligible(t)) ++start[t.node + 1], ++count;
    if (count == 0) return;
    for (std::size_t n = 0; n < c_.nodes.size(); ++n) start[n + 1] += start[n];
    std::vector<Candidate> by_node(count);
    {
      std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
      for (const Claim& t : claims_)
        if (eligible(t)) by_node[fill[t.node]++] = Candidate{0, t.service, t.slot};
    }
    // Distances (node by node, so each node's points stay in cache), and the winner of each
    // slot: home_ holds the index into by_node of the best claim so far, then its node.
    const NodePoints points(active_ring(), c_.nodes.size());
    std::vector<std::uint32_t> best(offsets_.back(), kNoNode);
    for (std::uint32_t n = 0; n < c_.nodes.size(); ++n) {
      for (std::uint32_t i = start[n]; i < start[n + 1]; ++i) {
        Candidate& cand = by_node[i];
        cand.distance = points.distance(n, position(*service_ring_[cand.service], cand.service,
                                                    cand.slot));
        std::uint32_t& b = best[offsets_[cand.service] + cand.slot];
        // Nodes go in index order, so on equal distance the earlier (smaller) node stays.
        if (b == kNoNode || cand.distance < by_node[b].distance) b = i;
      }
    }
    home_.assign(offsets_.back(), kNoNode);
    for (std::uint32_t n = 0; n < c_.nodes.size(); ++n) {
      auto first = by_node.begin() + start[n];
      auto last = by_node.begin() + start[n + 1];
      // Drop the claims that lost to another node (and exact duplicates of the winner).
      std::uint32_t i = start[n];
      last = std::remove_if(first, last, [&](const Candidate& cand) {
        std::uint32_t& b = best[offsets_[cand.service] + cand.slot];
        bool winner = b == i++;
        if (winner) home_[offsets_[cand.service] + cand.slot] = n;
        return !winner;
      });
      std::sort(first, last, [](const Candidate& x, const Candidate& y) {
        return std::tie(x.distance, x.service, x.slot) < std::tie(y.distance, y.service, y.slot);
      });
      for (auto it = first; it != last && ledger_.load[n] < keep_limit_[n]; ++it)
        keep(n, it->service, it->slot);
    }
  }

  // Keeps one claim if the node still may hold it (see keep_running_tasks).
  void keep(std::uint32_t n, std::uint32_t s, std::uint32_t slot) {
    const Service& svc = *c_.services[s];
    if (!ledger_.fits(n, svc)) return;
    SpreadPlan* plan = service_plan_[s];
    std::uint32_t limit = 0;
    std::size_t g = 0;
    if (plan == nullptr) {
      limit = per_node_limit(svc.replicas, service_ring_[s]->node_count);
    } else {
      const std::vector<SpreadGroup>& groups = *plan->groups;
      while (g < groups.size() && !groups[g].ring->member[n]) ++g;
      if (g == groups.size() || plan->quota[g] == 0) return;
      limit = plan->per_node[g];
    }
    if (ledger_.count_of(n, s) >= limit) return;
    ledger_.take(n, s, svc, true);
    slot_node_[offsets_[s] + slot] = n;
    if (plan != nullptr) --plan->quota[g];
  }

  // --- rule 3b: the sweep, for the slots no running task keeps -------------------------------
  void place_replicated() {
    std::vector<SweepItem> items;
    for (std::uint32_t s = 0; s < c_.services.size(); ++s) {
      const Service& svc = *c_.services[s];
      if (svc.mode != ServiceMode::kReplicated || svc.replicas == 0) continue;
      ClassRing& cls = *service_ring_[s];
      if (!svc.spread_label) {
        std::uint32_t per_node = per_node_limit(svc.replicas, cls.node_count);
        for (std::uint32_t slot = 0; slot < svc.replicas; ++slot)
          if (slot_node_[offsets_[s] + slot] == kNoNode)
            items.push_back(SweepItem{position(cls, s, slot), s, slot, per_node, cls.id});
        continue;
      }
      SpreadPlan& plan = *service_plan_[s];
      assign_spread_groups(s, plan);
      for (std::uint32_t slot = 0; slot < svc.replicas; ++slot) {
        if (slot_node_[offsets_[s] + slot] != kNoNode) continue;
        if (plan.groups->empty()) {
          unplaced(s, slot);
          continue;
        }
        std::uint32_t g = plan.group_of[slot];
        ClassRing& ring = *(*plan.groups)[g].ring;
        items.push_back(SweepItem{position(ring, s, slot), s, slot, plan.per_node[g], ring.id});
      }
    }
    std::sort(items.begin(), items.end());

    // A node that cannot fit a slot's reservation takes nothing more in the sweep, like a node
    // at its cap: otherwise a nearly full node picks whichever small slot passes by, and a slot
    // moved by a change steals the room a later slot counted on. Measured on the mixed cluster:
    // leave 1.28 -> 1.25, join 1.23 -> 1.19. The fallback still fills what such nodes have left.
    std::vector<bool> closed(c_.nodes.size(), false);
    auto has_room = [&](std::uint32_t n) { return ledger_.load[n] < cap_[n] && !closed[n]; };
    auto try_take = [&](std::uint32_t n, const SweepItem& it) {
      const Service& svc = *c_.services[it.service];
      if (!rings_[it.ring]->member[n] || ledger_.count_of(n, it.service) >= it.per_node)
        return false;
      if (!ledger_.fits(n, svc)) {
        closed[n] = true;
        return false;
      }
      ledger_.take(n, it.service, svc, true);
      slot_node_[offsets_[it.service] + it.slot] = n;
      return true;
    };
    std::vector<SweepItem> left =
        sweep_ring(active_ring(), items, has_room, try_take, config_.sweep_scan_depth);
    // Before the fallback: it walks rings with FullSkipper, which needs loads that only grow,
    // and the pull lowers the load of the nodes it takes slots from.
    pull_home_slots();
    // Slots whose task runs somewhere first: when room is short, a task that runs keeps it
    // rather than being stopped for one that does not run yet (and a placement stays a fixed
    // point of itself when the cap yielded).
    auto homeless = [&](const SweepItem& it) {
      return home_.empty() || home_[offsets_[it.service] + it.slot] == kNoNode;
    };
    std::sort(left.begin(), left.end(), [&](const SweepItem& a, const SweepItem& b) {
      return std::tuple(homeless(a), a.service, a.slot) < std::tuple(homeless(b), b.service, b.slot);
    });
    for (const SweepItem& it : left) fallback(*rings_[it.ring], it);
  }

  // --- rule 3c: take your arc -----------------------------------------------------------------
  // A node whose load is under pull_below_mean x mean takes the slots whose first node on their
  // ring it is ("home") from the nodes they run on, nearest first, until its load reaches
  // pull_up_to_mean x mean (home_pull.h). A joining node thus takes its arcs, about tasks/N,
  // and nothing else moves for it. The ring of a slot is its constraint class, or for spread
  // services the group of the node it runs on, so a pull never changes a slot's label value.
  void pull_home_slots() {
    if (config_.pull_below_mean <= 0 || c_.active_count == 0) return;
    const std::size_t nodes = c_.nodes.size();
    std::vector<std::uint32_t> trigger(nodes, 0), target(nodes, 0);
    bool any_below = false;
    for (std::uint32_t n = 0; n < nodes; ++n) {
      if (!c_.active[n]) continue;
      trigger[n] = pull_threshold(config_.pull_below_mean, to_place_, c_.active_count, c_.node_hash[n]);
      target[n] = std::min(cap_[n], std::max(trigger[n], pull_threshold(config_.pull_up_to_mean, to_place_,
                                                                        c_.active_count, c_.node_hash[n])));
      trigger[n] = std::min(trigger[n], target[n]);
      any_below = any_below || ledger_.load[n] < trigger[n];
    }
    // Nothing to do (the common case at rest), and nobody can fall under a trigger without a pull.
    if (!any_below) return;

    std::vector<HomeCandidate> candidates;
    std::vector<std::uint32_t> home_of;  // per candidate
    for (std::uint32_t s = 0; s < c_.services.size(); ++s) {
      const Service& svc = *c_.services[s];
      if (svc.mode != ServiceMode::kReplicated || svc.replicas == 0) continue;
      for (std::uint32_t slot = 0; slot < svc.replicas; ++slot) {
        const std::uint32_t at = slot_node_[offsets_[s] + slot];
        if (at == kNoNode || !c_.active[at]) continue;  // unplaced, or kept on a paused node
        const ClassRing* ring = slot_ring(s, at);
        if (ring == nullptr || ring->ring.empty()) continue;
        const std::uint64_t pos = position(*ring, s, slot);
        const RingPoint& point = ring->ring.at(ring->ring.successor(pos));
        if (point.node == at) continue;
        candidates.push_back(HomeCandidate{point.hash - pos, s, slot});  // wraps, as the ring
        home_of.push_back(point.node);
      }
    }
    // Bucket by home node, each run sorted (nearest first).
    std::vector<std::uint32_t> first(nodes + 1, 0);
    for (std::uint32_t h : home_of) ++first[h + 1];
    for (std::size_t n = 0; n < nodes; ++n) first[n + 1] += first[n];
    std::vector<HomeCandidate> by_home(candidates.size());
    {
      std::vector<std::uint32_t> fill(first.begin(), first.end() - 1);
      for (std::size_t i = 0; i < candidates.size(); ++i) by_home[fill[home_of[i]]++] = candidates[i];
    }
    for (std::size_t n = 0; n < nodes; ++n)
      std::sort(by_home.begin() + first[n], by_home.begin() + first[n + 1]);

    // A node whose running task a rule could not keep (spread quota, per-service limit, bound)
    // does not pull: the fallback gives that task its room back first (home_), and a pull taking
    // the room would move it, so the placement would not be a fixed point of itself.
    std::vector<bool> waiting(nodes, false);
    if (!home_.empty())
      for (std::size_t i = 0; i < slot_node_.size(); ++i)
        if (slot_node_[i] == kNoNode && home_[i] != kNoNode) waiting[home_[i]] = true;
    auto below = [&](std::uint32_t n) { return !waiting[n] && ledger_.load[n] < trigger[n]; };
    auto wants = [&](std::uint32_t n) { return !waiting[n] && ledger_.load[n] < target[n]; };
    auto pull = [&](std::uint32_t n, const HomeCandidate& cand) {
      const std::uint32_t s = cand.service;
      const Service& svc = *c_.services[s];
      std::uint32_t& at = slot_node_[offsets_[s] + cand.slot];
      if (at == n || !ledger_.fits(n, svc) || ledger_.count_of(n, s) >= service_limit(s, n))
        return kNoDonor;
      const std::uint32_t donor = at;
      ledger_.give_back(donor, s, svc);
      ledger_.take(n, s, svc, true);
      at = n;
      return donor;
    };
    pull_home(first, by_home, below, wants, pull);
  }

  // The ring a slot on node n belongs to: its class ring, or for a spread service the ring of
  // n's label value (null if n is in none of the service's groups).
  const ClassRing* slot_ring(std::uint32_t s, std::uint32_t n) const {
    const SpreadPlan* plan = service_plan_[s];
    if (plan == nullptr) return service_ring_[s];
    for (const SpreadGroup& g : *plan->groups)
      if (g.ring->member[n]) return g.ring;
    return nullptr;
  }

  // Most tasks of service s node n should hold: the per-service limit (of n's spread value).
  std::uint32_t service_limit(std::uint32_t s, std::uint32_t n) const {
    const Service& svc = *c_.services[s];
    const SpreadPlan* plan = service_plan_[s];
    if (plan == nullptr) return per_node_limit(svc.replicas, service_ring_[s]->node_count);
    const std::vector<SpreadGroup>& groups = *plan->groups;
    for (std::size_t g = 0; g < groups.size(); ++g)
      if (groups[g].ring->member[n]) return plan->per_node[g];
    return 0;
  }

  // A slot's position: of `probes_per_slot` probes from its hash, the one nearest before a
  // point of its ring (multi-probe consistent hashing).
  std::uint64_t position(const ClassRing& ring, std::uint32_t s, std::uint32_t slot) const {
    std::uint64_t h = slot_hash(c_.service_hash[s], slot);
    return ring.ring.empty() ? h : ring.ring.nearest_probe(h, config_.probes_per_slot);
  }

  // A slot the sweep could not place: walk its ring ignoring the per-service limit, then let
  // the cap yield (`pick`), at the node it runs on first; a spread slot then tries the other
  // groups in its own order.
  void fallback(ClassRing& ring, const SweepItem& it) {
    const std::uint32_t s = it.service;
    if (exhausted_.count(s)) {
      unplaced(s, it.slot);
      return;
    }
    std::uint32_t n = kNoNode;
    const std::uint32_t home = home_.empty() ? kNoNode : home_[offsets_[s] + it.slot];
    const SpreadPlan* plan = service_plan_[s];
    if (plan == nullptr) {
      n = pick(ring, s, it.slot, it.per_node, home);
    } else {
      std::vector<SpreadGroup>& groups = *plan->groups;
      std::vector<std::size_t> order = group_order(s, it.slot, groups);
      // Its own group first (the cap yields there before the slot leaves its value).
      auto mine = std::find(order.begin(), order.end(), plan->group_of[it.slot]);
      std::rotate(order.begin(), mine, mine + 1);
      for (std::size_t g : order) {
        n = pick(*groups[g].ring, s, it.slot, plan->per_node[g], home);
        if (n != kNoNode) break;
      }
    }
    if (n == kNoNode) {
      exhausted_.insert(s);  // no node of the ring has room: later slots cannot fit either
      unplaced(s, it.slot);
      return;
    }
    ledger_.take(n, s, *c_.services[s], true);
    slot_node_[offsets_[s] + it.slot] = n;
  }

  // A slot's ranking of spread groups: rendezvous over the few values.
  std::vector<std::size_t> group_order(std::uint32_t s, std::uint32_t slot,
                                       const std::vector<SpreadGroup>& groups) const {
    std::uint64_t h = slot_hash(c_.service_hash[s], slot);
    std::vector<std::pair<std::uint64_t, std::size_t>> by_score;
    for (std::size_t g = 0; g < groups.size(); ++g)
      by_score.emplace_back(slot_hash(h ^ groups[g].hash, 0), g);
    std::sort(by_score.begin(), by_score.end(), std::greater<>());
    std::vector<std::size_t> order;
    for (const auto& scored : by_score) order.push_back(scored.second);
    return order;
  }

  // Spread: the slots are divided evenly over the label's values (quota per value, the
  // remainder going to values ranked by a hash of the service), then each slot takes the value
  // that ranks highest for it (rendezvous over the few values) among those with quota left.
  // Slots kept on paused nodes use up their value's quota first, then the slots the sticky pass
  // keeps (keep()), then assign_spread_groups() gives the rest a value.
  SpreadPlan& plan_spread(std::uint32_t s, ClassRing& cls) {
    const Service& svc = *c_.services[s];
    SpreadPlan& plan = spread_plans_[s];
    plan.groups = &spread_groups(svc, cls);
    std::vector<SpreadGroup>& groups = *plan.groups;
    const std::size_t g_count = groups.size();
    if (g_count == 0) return plan;
    std::vector<std::uint32_t>& quota = plan.quota;
    quota.assign(g_count, static_cast<std::uint32_t>(svc.replicas / g_count));
    std::vector<std::size_t> rank(g_count);
    for (std::size_t g = 0; g < g_count; ++g) rank[g] = g;
    std::uint64_t sh = c_.service_hash[s];
    auto score = [&](std::size_t g) { return slot_hash(sh ^ groups[g].hash, 0); };
    std::sort(rank.begin(), rank.end(), [&](std::size_t a, std::size_t b) {
      return std::pair(score(a), a) > std::pair(score(b), b);
    });
    for (std::size_t i = 0; i < svc.replicas % g_count; ++i) ++quota[rank[i]];
    for (std::size_t g = 0; g < g_count; ++g)
      plan.per_node.push_back(
          per_node_limit(std::max<std::uint32_t>(quota[g], 1), groups[g].ring->node_count));
    for (std::uint32_t slot = 0; slot < svc.replicas; ++slot) {
      std::uint32_t n = slot_node_[offsets_[s] + slot];
      if (n == kNoNode) continue;
      GroupValue v = group_of(*c_.nodes[n], *svc.spread_label);
      for (std::size_t g = 0; g < g_count; ++g)
        if (groups[g].value == v && quota[g] > 0) --quota[g];
    }
    return plan;
  }

  void assign_spread_groups(std::uint32_t s, SpreadPlan& plan) {
    const Service& svc = *c_.services[s];
    std::vector<SpreadGroup>& groups = *plan.groups;
    std::vector<std::uint32_t>& quota = plan.quota;
    plan.group_of.assign(svc.replicas, 0);
    if (groups.empty()) return;
    // Slots whose task runs on a node that could not keep it (cap, per-node limit) first keep
    // that node's value while it has quota, so the cap can yield at home (pick()).
    std::vector<bool> done(svc.replicas, false);
    if (!home_.empty()) {
      for (std::uint32_t slot = 0; slot < svc.replicas; ++slot) {
        const std::uint32_t home = home_[offsets_[s] + slot];
        if (slot_node_[offsets_[s] + slot] != kNoNode || home == kNoNode) continue;
        for (std::size_t g = 0; g < groups.size(); ++g) {
          if (!groups[g].ring->member[home] || quota[g] == 0) continue;
          --quota[g];
          plan.group_of[slot] = static_cast<std::uint32_t>(g);
          done[slot] = true;
        }
      }
    }
    for (std::uint32_t slot = 0; slot < svc.replicas; ++slot) {
      if (slot_node_[offsets_[s] + slot] != kNoNode || done[slot]) continue;
      std::vector<std::size_t> order = group_order(s, slot, groups);
      std::size_t chosen = order.front();
      for (std::size_t g : order)
        if (quota[g] > 0) {
          chosen = g;
          break;
        }
      if (quota[chosen] > 0) --quota[chosen];
      plan.group_of[slot] = static_cast<std::uint32_t>(chosen);
    }
  }

  static std::uint32_t per_node_limit(std::uint64_t replicas, std::size_t nodes) {
    if (nodes == 0) return 1;
    return static_cast<std::uint32_t>((replicas + nodes - 1) / nodes);
  }

  // The node for one slot on one class ring, or kNoNode if no node there has room. `home` is the
  // node the slot's task runs on (kNoNode if none may keep it): where the per-service limit
  // and then the cap yield first, so that a slot the sticky pass could not keep only leaves its
  // node for a node with room.
  std::uint32_t pick(ClassRing& cls, std::uint32_t s, std::uint32_t slot, std::uint32_t per_node,
                     std::uint32_t home) {
    if (cls.ring.empty()) return kNoNode;
    const Service& svc = *c_.services[s];
    std::size_t start = cls.ring.successor(position(cls, s, slot));
    auto full = [&](std::size_t i) {
      std::uint32_t n = cls.ring.at(i).node;
      return ledger_.load[n] >= cap_[n];
    };
    // Walk clockwise from `start` to the end, then from 0 back to `start`, skipping full nodes.
    const std::size_t size = cls.ring.size();
    auto walk = [&](std::uint32_t limit) {
      for (int lap = 0; lap < 2; ++lap) {
        std::size_t i = cls.skipper.find(lap == 0 ? start : 0, full);
        std::size_t stop = lap == 0 ? size : start;
        for (; i < stop; i = cls.skipper.find(i + 1, full)) {
          std::uint32_t n = cls.ring.at(i).node;
          if (ledger_.count_of(n, s) < limit && ledger_.fits(n, svc)) return n;
        }
      }
      return kNoNode;
    };
    const bool home_fits = home != kNoNode && cls.member[home] && ledger_.fits(home, svc);
    // The per-service limit is a preference: if only nodes at it are under the cap, the cap wins.
    // But a task that runs stays where it runs rather than move to a node that then holds too
    // many of its service: that move would buy nothing for the spread.
    if (std::uint32_t n = walk(per_node); n != kNoNode) return n;
    if (home_fits) return home;
    if (per_node != kNoNode)
      if (std::uint32_t n = walk(kNoNode); n != kNoNode) return n;
    return overflow(cls, s, start);
  }

  // Every node of the ring is at the load cap (or at this service's per-node limit): the cap
  // yields, and the least loaded of the next `overflow_choices` nodes with room takes the slot.
  std::uint32_t overflow(const ClassRing& cls, std::uint32_t s, std::size_t start) {
    const Service& svc = *c_.services[s];
    const std::size_t size = cls.ring.size();
    std::vector<std::uint32_t> seen;
    std::uint32_t best = kNoNode;
    for (std::size_t k = 0; k < size && seen.size() < config_.overflow_choices; ++k) {
      std::uint32_t n = cls.ring.at((start + k) % size).node;
      if (!ledger_.fits(n, svc) || std::find(seen.begin(), seen.end(), n) != seen.end()) continue;
      seen.push_back(n);
      if (best == kNoNode || key(n, s) < key(best, s)) best = n;
    }
    return best;
  }
  std::pair<std::uint32_t, std::uint32_t> key(std::uint32_t n, std::uint32_t s) const {
    return {ledger_.count_of(n, s), ledger_.load[n]};
  }

  // --- rings -----------------------------------------------------------------------------------
  const HashRing& active_ring() {
    if (!active_ring_) {
      std::vector<std::uint32_t> ids, points;
      std::vector<std::uint64_t> hashes;
      for (std::uint32_t n = 0; n < c_.nodes.size(); ++n) {
        if (!c_.active[n]) continue;
        ids.push_back(n);
        hashes.push_back(c_.node_hash[n]);
        points.push_back(points_[n]);
      }
      active_ring_ = std::make_unique<HashRing>(HashRing::build(ids, hashes, points));
    }
    return *active_ring_;
  }

  // Every active node gets the same number of ring points. (Weighting points by free capacity
  // was tried and measured worse: the weight depends on the mean load, which moves with every
  // join or leave, so each change moved points on many nodes; docs/placement.md.)
  void set_points() { points_.assign(c_.nodes.size(), config_.vnodes_per_node); }

  ClassRing& class_ring(const std::vector<Constraint>& constraints) {
    std::string key = constraints_key(constraints);
    auto it = class_rings_.find(key);
    if (it != class_rings_.end()) return *it->second;
    std::vector<bool> keep(c_.nodes.size(), false);
    std::size_t count = 0;
    for (std::uint32_t n = 0; n < c_.nodes.size(); ++n) {
      keep[n] = c_.active[n] && satisfies_all(c_.nodes[n]->labels, constraints);
      count += keep[n];
    }
    HashRing ring = count == c_.active_count ? active_ring() : active_ring().filtered(keep);
    auto cls = std::make_unique<ClassRing>(std::move(ring), std::move(keep), count,
                                           static_cast<std::uint32_t>(rings_.size()));
    rings_.push_back(cls.get());
    return *class_rings_.emplace(key, std::move(cls)).first->second;
  }

  // The groups of a spread service, each with the sub-ring of its nodes, split from the class
  // ring in one pass (so a label with many values costs one pass, not one per value).
  std::vector<SpreadGroup>& spread_groups(const Service& svc, ClassRing& cls) {
    std::string key = constraints_key(svc.constraints) + '\x1e' + *svc.spread_label;
    auto it = spread_groups_.find(key);
    if (it != spread_groups_.end()) return it->second;
    std::map<GroupValue, std::vector<bool>> members;
    std::map<GroupValue, std::size_t> counts;
    std::vector<bool> in_class(c_.nodes.size(), false);
    for (std::size_t i = 0; i < cls.ring.size(); ++i) in_class[cls.ring.at(i).node] = true;
    for (std::uint32_t n = 0; n < c_.nodes.size(); ++n) {
      if (!in_class[n]) continue;
      GroupValue v = group_of(*c_.nodes[n], *svc.spread_label);
      auto [m, fresh] = members.try_emplace(v, std::vector<bool>());
      if (fresh) m->second.assign(c_.nodes.size(), false);
      m->second[n] = true;
      ++counts[v];
    }
    std::vector<SpreadGroup> groups;
    for (auto& [value, keep] : members) {
      auto ring = std::make_unique<ClassRing>(cls.ring.filtered(keep), keep, counts[value],
                                              static_cast<std::uint32_t>(rings_.size()));
      rings_.push_back(ring.get());
      groups.push_back(SpreadGroup{value, group_hash(value), ring.get()});
      spread_rings_.push_back(std::move(ring));
    }
    return spread_groups_.emplace(key, std::move(groups)).first->second;
  }

  // --- reasons ---------------------------------------------------------------------------------
  // The reason is written in emit(), from what nodes have left once everything is placed: the
  // room at the moment a slot failed depends on the order slots came in, which must not show.
  void unplaced(std::uint32_t s, std::uint32_t slot) { unplaced_.push_back(UnplacedSlot{s, slot, {}}); }

  std::string explain(const Service& svc) const {
    std::vector<NodeRoom> rooms;
    for (std::uint32_t n = 0; n < c_.nodes.size(); ++n)
      rooms.push_back(NodeRoom{c_.nodes[n], c_.active[n], ledger_.free_cpu[n], ledger_.free_mem[n]});
    return explain_unplaceable(svc, rooms);
  }

  std::string explain_one_node(std::uint32_t n, const Service& svc) const {
    std::vector<NodeRoom> rooms{NodeRoom{c_.nodes[n], true, ledger_.free_cpu[n], ledger_.free_mem[n]}};
    return explain_unplaceable(svc, rooms);
  }

  // --- lookups and output ----------------------------------------------------------------------
  std::uint32_t service_index(const std::string& name) const {
    auto it = std::lower_bound(c_.services.begin(), c_.services.end(), name,
                               [](const Service* s, const std::string& v) { return s->name < v; });
    return it == c_.services.end() || (*it)->name != name
               ? kNoNode
               : static_cast<std::uint32_t>(it - c_.services.begin());
  }
  std::uint32_t node_index(const std::string& name) const {
    auto it = std::lower_bound(c_.nodes.begin(), c_.nodes.end(), name,
                               [](const Node* n, const std::string& v) { return n->id.name < v; });
    return it == c_.nodes.end() || (*it)->id.name != name
               ? kNoNode
               : static_cast<std::uint32_t>(it - c_.nodes.begin());
  }

  Assignment emit() {
    Assignment a;
    for (const Service* s : c_.services) a.services.push_back(s->name);
    for (const Node* n : c_.nodes) a.nodes.push_back(n->id);
    a.tasks.reserve(slot_node_.size());
    for (std::uint32_t s = 0; s < c_.services.size(); ++s) {
      for (std::uint32_t n : global_on_[s]) a.tasks.push_back(PlacedTask{s, kGlobalSlot, n});
      for (std::uint64_t i = offsets_[s]; i < offsets_[s + 1]; ++i)
        if (slot_node_[i] != kNoNode)
          a.tasks.push_back(PlacedTask{s, static_cast<std::uint32_t>(i - offsets_[s]), slot_node_[i]});
    }
    std::map<std::uint32_t, std::string> reasons;  // per service
    for (UnplacedSlot& u : unplaced_) {
      if (!u.reason.empty()) continue;
      auto it = reasons.find(u.service);
      if (it == reasons.end()) it = reasons.emplace(u.service, explain(*c_.services[u.service])).first;
      u.reason = it->second;
    }
    std::sort(unplaced_.begin(), unplaced_.end(), [](const UnplacedSlot& x, const UnplacedSlot& y) {
      return std::tie(x.service, x.slot, x.reason) < std::tie(y.service, y.slot, y.reason);
    });
    a.unplaced = std::move(unplaced_);
    return a;
  }

  const Cluster& c_;
  const PlacementInput& in_;
  const PlacementConfig& config_;
  Ledger ledger_;
  std::vector<Claim> claims_;       // running tasks of known services on known nodes
  std::vector<std::uint32_t> cap_;  // bounded-load cap per node, for placing tasks
  std::vector<std::uint32_t> keep_limit_;  // per node: running tasks it may keep (>= cap)
  std::vector<ClassRing*> service_ring_;   // per replicated service: its class ring
  std::vector<SpreadPlan*> service_plan_;  // per spread service: its plan, else null
  std::vector<std::uint32_t> home_;  // per flat slot: node of its running claim not kept, if any
  std::uint64_t pinned_replicated_ = 0;
  std::uint64_t to_place_ = 0;      // replicated slots for active nodes: the mean's numerator
  std::vector<std::uint64_t> offsets_;               // first flat slot of each service
  std::vector<std::uint32_t> slot_node_;             // flat (service, slot) -> node
  std::vector<std::vector<std::uint32_t>> global_on_;  // global service -> nodes
  std::vector<UnplacedSlot> unplaced_;
  std::vector<std::uint32_t> points_;  // ring points per node
  std::unique_ptr<HashRing> active_ring_;
  std::map<std::string, std::unique_ptr<ClassRing>> class_rings_;
  std::map<std::string, std::vector<SpreadGroup>> spread_groups_;
  std::vector<std::unique_ptr<ClassRing>> spread_rings_;
  std::map<std::uint32_t, SpreadPlan> spread_plans_;
  std::vector<ClassRing*> rings_;      // every class and spread-group ring, by id
  std::set<std::uint32_t> exhausted_;  // services no node has room for any more
};

}  // namespace

Result<Assignment> place(const PlacementInput& input, const PlacementConfig& config) {
  Result<Cluster> cluster = canonical(input, config);
  if (!cluster) return cluster.error();
  Placer placer(*cluster, input, config);
  return placer.run();
}

}  // namespace shoal::placement
