#include "placement/place.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "placement/constraint.h"
#include "placement/load_cap.h"

namespace shoal::placement {
namespace {

constexpr std::uint64_t kMiB = 1024ull * 1024;
constexpr std::uint64_t kGiB = 1024 * kMiB;

Node node(std::string name, std::string zone = "a", std::uint64_t cpu = 16000,
          std::uint64_t mem = 64 * kGiB) {
  Node n;
  n.id = NodeId{std::move(name)};
  n.labels["zone"] = std::move(zone);
  n.cpu_millis = cpu;
  n.memory_bytes = mem;
  return n;
}

Service service(std::string name, std::uint32_t replicas, std::uint64_t cpu = 0, std::uint64_t mem = 0) {
  Service s;
  s.name = std::move(name);
  s.replicas = replicas;
  s.cpu_millis = cpu;
  s.memory_bytes = mem;
  return s;
}

Assignment must_place(const PlacementInput& in, const PlacementConfig& cfg = {}) {
  Result<Assignment> a = place(in, cfg);
  if (!a.ok()) ADD_FAILURE() << a.message();
  return a.ok() ? std::move(a).value() : Assignment{};
}

// ---- generators --------------------------------------------------------------------------------

rc::Gen<Node> gen_node(std::size_t i) {
  return rc::gen::apply(
      [i](int zone, int avail, bool alive, int size, bool ssd) {
        Node n = node("n" + std::to_string(i), std::string(1, static_cast<char>('a' + zone)),
                      2000ull << size, (2 * kGiB) << size);
        n.alive = alive;
        n.availability = static_cast<Availability>(avail);
        if (ssd) n.labels["disk"] = "ssd";
        return n;
      },
      rc::gen::inRange(0, 3), rc::gen::weightedElement<int>({{8, 0}, {1, 1}, {1, 2}}),
      rc::gen::weightedElement<bool>({{9, true}, {1, false}}), rc::gen::inRange(0, 3),
      rc::gen::arbitrary<bool>());
}

rc::Gen<Service> gen_service(std::size_t i) {
  return rc::gen::apply(
      [i](int mode, std::uint32_t replicas, int cpu, int mem, int kind, int zone) {
        Service s = service("s" + std::to_string(i), replicas, 100ull * cpu, 128 * kMiB * mem);
        s.mode = mode == 0 ? ServiceMode::kGlobal : ServiceMode::kReplicated;
        std::string z(1, static_cast<char>('a' + zone));
        if (kind == 1) s.constraints.push_back({"zone", ConstraintOp::kEq, z});
        if (kind == 2) s.constraints.push_back({"zone", ConstraintOp::kNe, z});
        if (kind == 3) s.constraints.push_back({"disk", ConstraintOp::kEq, "ssd"});
        if (kind == 4) s.spread_label = "zone";
        if (kind == 5) s.constraints.push_back({"zone", ConstraintOp::kEq, "nowhere"});
        return s;
      },
      rc::gen::weightedElement<int>({{1, 0}, {6, 1}}), rc::gen::inRange<std::uint32_t>(0, 25),
      rc::gen::inRange(0, 8), rc::gen::inRange(0, 8), rc::gen::inRange(0, 6), rc::gen::inRange(0, 3));
}

// Called inside a property: draws a random cluster and desired state.
PlacementInput arbitrary_input() {
  PlacementInput in;
  std::size_t nodes = *rc::gen::inRange<std::size_t>(0, 25);
  std::size_t services = *rc::gen::inRange<std::size_t>(0, 10);
  for (std::size_t i = 0; i < nodes; ++i) in.nodes.push_back(*gen_node(i));
  for (std::size_t i = 0; i < services; ++i) in.services.push_back(*gen_service(i));
  return in;
}

const Service* find_service(const PlacementInput& in, const std::string& name) {
  for (const Service& s : in.services)
    if (s.name == name) return &s;
  return nullptr;
}
const Node* find_node(const PlacementInput& in, const std::string& name) {
  for (const Node& n : in.nodes)
    if (n.id.name == name) return &n;
  return nullptr;
}

// ---- properties --------------------------------------------------------------------------------

RC_GTEST_PROP(Place, SameFactsInAnyOrderGiveTheSameAssignment, ()) {
  PlacementInput in = arbitrary_input();
  PlacementInput shuffled = in;
  std::mt19937_64 rng(*rc::gen::arbitrary<std::uint64_t>());
  std::shuffle(shuffled.nodes.begin(), shuffled.nodes.end(), rng);
  std::shuffle(shuffled.services.begin(), shuffled.services.end(), rng);
  for (Service& s : shuffled.services) std::shuffle(s.constraints.begin(), s.constraints.end(), rng);
  Result<Assignment> a = place(in);
  Result<Assignment> b = place(shuffled);
  RC_ASSERT(a.ok() && b.ok());
  RC_ASSERT(*a == *b);
}

RC_GTEST_PROP(Place, NoNodeOverCapacityAndConstraintsHold, ()) {
  PlacementInput in = arbitrary_input();
  Assignment a = must_place(in);
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> used;
  for (const PlacedTask& t : a.tasks) {
    const Service* s = find_service(in, a.services[t.service]);
    const Node* n = find_node(in, a.nodes[t.node].name);
    RC_ASSERT(s && n);
    RC_ASSERT(n->alive);
    RC_ASSERT(n->availability == Availability::kActive);  // nothing runs yet, so no paused keeps
    RC_ASSERT(satisfies_all(n->labels, s->constraints));
    used[n->id.name].first += s->cpu_millis;
    used[n->id.name].second += s->memory_bytes;
  }
  for (const auto& [name, u] : used) {
    const Node* n = find_node(in, name);
    RC_ASSERT(u.first <= n->cpu_millis);
    RC_ASSERT(u.second <= n->memory_bytes);
  }
}

RC_GTEST_PROP(Place, EverySlotIsPlacedOrHasAReasonAndMissingMeansNoRoom, ()) {
  PlacementInput in = arbitrary_input();
  Assignment a = must_place(in);
  // Free resources after placement, per node.
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> free;
  for (const Node& n : in.nodes) free[n.id.name] = {n.cpu_millis, n.memory_bytes};
  for (const PlacedTask& t : a.tasks) {
    const Service* s = find_service(in, a.services[t.service]);
    free[a.nodes[t.node].name].first -= s->cpu_millis;
    free[a.nodes[t.node].name].second -= s->memory_bytes;
  }
  for (const Service& s : in.services) {
    if (s.mode != ServiceMode::kReplicated) continue;
    std::uint32_t si = *a.service_index(s.name);
    std::set<std::uint32_t> slots;
    for (const PlacedTask& t : a.tasks)
      if (t.service == si) RC_ASSERT(slots.insert(t.slot).second);
    for (const UnplacedSlot& u : a.unplaced) {
      if (u.service != si) continue;
      RC_ASSERT(!u.reason.empty());
      RC_ASSERT(slots.insert(u.slot).second);
      // Capacity did not allow it: no eligible active node has room left.
      for (const Node& n : in.nodes) {
        bool eligible = n.alive && n.availability == Availability::kActive &&
                        satisfies_all(n.labels, s.constraints);
        bool room = free[n.id.name].first >= s.cpu_millis && free[n.id.name].second >= s.memory_bytes;
        RC_ASSERT(!(eligible && room));
      }
    }
    RC_ASSERT(slots.size() == s.replicas);
    for (std::uint32_t i = 0; i < s.replicas; ++i) RC_ASSERT(slots.count(i) == 1u);
  }
}

RC_GTEST_PROP(Place, GlobalServicesRunOncePerEligibleNode, ()) {
  PlacementInput in = arbitrary_input();
  Assignment a = must_place(in);
  for (const Service& s : in.services) {
    if (s.mode != ServiceMode::kGlobal) continue;
    std::uint32_t si = *a.service_index(s.name);
    std::multiset<std::string> on;
    for (const PlacedTask& t : a.tasks)
      if (t.service == si) on.insert(a.nodes[t.node].name);
    std::size_t unfit = 0;
    for (const UnplacedSlot& u : a.unplaced)
      if (u.service == si && u.reason.rfind("node ", 0) == 0) ++unfit;
    std::size_t eligible = 0;
    for (const Node& n : in.nodes) {
      bool e = n.alive && n.availability == Availability::kActive && satisfies_all(n.labels, s.constraints);
      eligible += e;
      RC_ASSERT(on.count(n.id.name) == (e ? on.count(n.id.name) : 0u));
      RC_ASSERT(on.count(n.id.name) <= 1u);
    }
    RC_ASSERT(on.size() + unfit == eligible);
  }
}

// Bounded loads: with room everywhere and no constraints, no node is above
// ceil((1 + eps) * mean) unless every node is at its cap.
RC_GTEST_PROP(Place, LoadStaysUnderTheBound, ()) {
  std::size_t nodes = *rc::gen::inRange<std::size_t>(1, 40);
  std::size_t services = *rc::gen::inRange<std::size_t>(1, 20);
  double eps = *rc::gen::element(0.0, 0.1, 0.25, 1.0);
  PlacementInput in;
  for (std::size_t i = 0; i < nodes; ++i) in.nodes.push_back(node("n" + std::to_string(i)));
  std::uint64_t slots = 0;
  for (std::size_t i = 0; i < services; ++i) {
    in.services.push_back(service("s" + std::to_string(i), *rc::gen::inRange<std::uint32_t>(0, 60)));
    slots += in.services.back().replicas;
  }
  PlacementConfig cfg;
  cfg.load_epsilon = eps;
  Assignment a = must_place(in, cfg);
  RC_ASSERT(a.tasks.size() == slots);
  double bound = (1 + eps) * static_cast<double>(slots) / static_cast<double>(nodes);
  std::vector<std::uint32_t> load = a.load_per_node();
  std::uint32_t max = *std::max_element(load.begin(), load.end());
  std::uint32_t min = *std::min_element(load.begin(), load.end());
  bool all_full = min >= static_cast<std::uint32_t>(std::floor(bound));
  RC_ASSERT(max <= static_cast<std::uint32_t>(std::ceil(bound)) || all_full);
}

// Without the cap and with one slot per service (so slots never compete), hashing alone
// decides: a node leaving moves exactly its own tasks, a node joining takes tasks and moves
// nothing else.
RC_GTEST_PROP(Place, LeaveAndJoinMoveOnlyWhatTheyMust, ()) {
  std::size_t nodes = *rc::gen::inRange<std::size_t>(2, 30);
  PlacementInput in;
  for (std::size_t i = 0; i < nodes; ++i) in.nodes.push_back(node("n" + std::to_string(i)));
  for (std::size_t i = 0; i < 200; ++i) in.services.push_back(service("s" + std::to_string(i), 1));
  PlacementConfig cfg;
  cfg.load_epsilon = 1e9;
  Assignment before = must_place(in, cfg);

  std::size_t victim = *rc::gen::inRange<std::size_t>(0, nodes);
  PlacementInput left = in;
  left.nodes[victim].alive = false;
  Assignment after = must_place(left, cfg);
  std::uint32_t victim_load = before.load_per_node()[*before.node_index(in.nodes[victim].id.name)];
  RC_ASSERT(count_moved(before, after) == victim_load);

  PlacementInput joined = in;
  joined.nodes.push_back(node("new"));
  Assignment grown = must_place(joined, cfg);
  std::uint32_t landed = grown.load_per_node()[*grown.node_index("new")];
  RC_ASSERT(count_moved(before, grown) == landed);
}

// Changing one service (scale, reservation) never moves another service's tasks when nodes
// have room and the cap does not bind.
RC_GTEST_PROP(Place, ChangingOneServiceTouchesOnlyItsSlots, ()) {
  PlacementInput in;
  for (int i = 0; i < 12; ++i) in.nodes.push_back(node("n" + std::to_string(i), i % 2 ? "a" : "b"));
  for (int i = 0; i < 10; ++i) in.services.push_back(service("s" + std::to_string(i), 5, 10, kMiB));
  PlacementConfig cfg;
  cfg.load_epsilon = 1e9;
  Assignment before = must_place(in, cfg);
  PlacementInput changed = in;
  std::size_t which = *rc::gen::inRange<std::size_t>(0, in.services.size());
  changed.services[which].replicas = *rc::gen::inRange<std::uint32_t>(0, 30);
  changed.services[which].memory_bytes = *rc::gen::inRange<std::uint64_t>(0, kGiB);
  Assignment after = must_place(changed, cfg);
  for (const PlacedTask& t : before.tasks) {
    if (before.services[t.service] == in.services[which].name) continue;
    RC_ASSERT(after.node_of(before.services[t.service], t.slot) == before.nodes[t.node]);
  }
}

RC_GTEST_PROP(Place, SpreadDividesSlotsEvenlyOverLabelValues, ()) {
  std::uint32_t replicas = *rc::gen::inRange<std::uint32_t>(0, 50);
  PlacementInput in;
  for (int i = 0; i < 30; ++i) in.nodes.push_back(node("n" + std::to_string(i), i < 20 ? "a" : (i < 27 ? "b" : "c")));
  Service s = service("web", replicas);
  s.spread_label = "zone";
  in.services.push_back(s);
  PlacementConfig cfg;
  cfg.load_epsilon = 1e9;
  Assignment a = must_place(in, cfg);
  std::map<std::string, int> per_zone{{"a", 0}, {"b", 0}, {"c", 0}};
  for (const PlacedTask& t : a.tasks) ++per_zone[find_node(in, a.nodes[t.node].name)->labels.at("zone")];
  auto [lo, hi] = std::minmax({per_zone["a"], per_zone["b"], per_zone["c"]});
  RC_ASSERT(hi - lo <= 1);
  RC_ASSERT(a.tasks.size() == replicas);
}

// ---- sticky placement: running tasks stay where they run ----------------------------------------

// What runs now if every node runs what `a` assigns it (global tasks included).
std::vector<RunningTask> running_of(const Assignment& a) {
  std::vector<RunningTask> running;
  for (const PlacedTask& t : a.tasks)
    running.push_back(RunningTask{a.services[t.service], t.slot, a.nodes[t.node]});
  return running;
}

// Stale or contradictory gossip: the same slot on other nodes, slots past the replica count,
// services and nodes this input does not know; some entries dropped; then shuffled.
std::vector<RunningTask> with_noise(std::vector<RunningTask> running, const PlacementInput& in) {
  std::size_t extra = *rc::gen::inRange<std::size_t>(0, 30);
  for (std::size_t i = 0; i < extra; ++i) {
    RunningTask t;
    int svc = *rc::gen::inRange<int>(-1, static_cast<int>(in.services.size()));
    int node = *rc::gen::inRange<int>(-1, static_cast<int>(in.nodes.size()));
    t.service = svc < 0 ? "ghost" : in.services[svc].name;
    t.node = node < 0 ? NodeId{"ghost-node"} : in.nodes[node].id;
    t.slot = *rc::gen::inRange<std::uint32_t>(0, 30);
    running.push_back(t);
  }
  std::size_t drop = *rc::gen::inRange<std::size_t>(0, running.size() / 4 + 1);
  std::mt19937_64 rng(*rc::gen::arbitrary<std::uint64_t>());
  std::shuffle(running.begin(), running.end(), rng);
  running.resize(running.size() - std::min(drop, running.size()));
  return running;
}

// Whether the first placement never had to relax a rule: no active node holds more replicated
// tasks than its load cap or more of one service than the per-service limit (for spread
// services, a conservative version of it), and no spread value holds more than its share.
// Where a rule yielded (constraints or resources left no node with room when a slot came), a
// re-run with the tasks running may move such a task to a node that has room by now: sticky
// placement keeps tasks only within the rules.
bool nothing_yielded(const PlacementInput& in, const Assignment& a, double eps) {
  std::uint64_t slots = 0;
  for (const Service& s : in.services)
    if (s.mode == ServiceMode::kReplicated) slots += s.replicas;
  std::size_t active = 0;
  for (const Node& n : in.nodes) active += n.alive && n.availability == Availability::kActive;
  const double bound = load_bound(eps, slots, active);
  std::vector<std::uint32_t> load(a.nodes.size(), 0);
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> per_service;  // (service, node)
  for (const PlacedTask& t : a.tasks) {
    if (t.slot == kGlobalSlot) continue;
    ++load[t.node];
    ++per_service[{t.service, t.node}];
  }
  for (std::size_t n = 0; n < a.nodes.size(); ++n)
    if (load[n] > load_cap(bound, stable_hash(a.nodes[n].name))) return false;
  for (const Service& s : in.services) {
    if (s.mode != ServiceMode::kReplicated) continue;
    const std::uint32_t si = *a.service_index(s.name);
    // Eligible active nodes, by spread value ("" for all when not spread, "\x01" for unlabelled).
    std::map<std::string, std::vector<std::uint32_t>> groups;
    for (const Node& n : in.nodes) {
      if (!n.alive || n.availability != Availability::kActive || !satisfies_all(n.labels, s.constraints)) continue;
      std::string v;
      if (s.spread_label) v = n.labels.count(*s.spread_label) ? n.labels.at(*s.spread_label) : "\x01";
      groups[v].push_back(*a.node_index(n.id.name));
    }
    for (const auto& [value, nodes] : groups) {
      std::uint64_t share = std::max<std::uint64_t>(s.replicas / groups.size(), 1);
      std::uint64_t limit = (share + nodes.size() - 1) / nodes.size();
      std::uint64_t in_group = 0;
      for (std::uint32_t n : nodes) {
        std::uint32_t c = per_service[{si, n}];
        if (c > limit) return false;
        in_group += c;
      }
      if (s.spread_label && in_group > (s.replicas + groups.size() - 1) / groups.size()) return false;
    }
  }
  return true;
}

// (1) Fixed point: when every node runs what place() assigned and nothing changed, place()
// returns the same assignment, whatever the cluster (constraints, spread, paused and dead
// nodes, resources short) as long as no node had to go above its load cap.
RC_GTEST_PROP(PlaceSticky, ThePlacementRunningNowIsAFixedPoint, ()) {
  PlacementInput in = arbitrary_input();
  PlacementConfig cfg;
  cfg.load_epsilon = *rc::gen::element(0.0, 0.1, 0.25, 1.0);
  Assignment a = must_place(in, cfg);
  in.running = running_of(a);
  Assignment b = must_place(in, cfg);
  RC_TAG(nothing_yielded(in, a, cfg.load_epsilon) ? "rules held" : "a rule yielded");
  // Where a rule had to yield (see nothing_yielded), the re-run may move such a task to a node
  // with room; then only the laws are checked (NoisyRunningListsNeverBreakTheRules).
  if (nothing_yielded(in, a, cfg.load_epsilon)) RC_ASSERT(b == a);
}

// The laws of placement hold whatever the running list says (it is gossip: stale, duplicated,
// naming dead nodes or removed slots): each slot at most once, resources and constraints hold,
// a paused node holds only tasks reported running on it, dead and drained nodes hold nothing,
// and a slot is missing only if no eligible node has room.
RC_GTEST_PROP(PlaceSticky, NoisyRunningListsNeverBreakTheRules, ()) {
  PlacementInput in = arbitrary_input();
  in.running = running_of(must_place(in));
  // Then the cluster changes under the gossip: nodes die, drain, pause or come back.
  for (Node& n : in.nodes) {
    if (*rc::gen::inRange(0, 4) != 0) continue;
    n.alive = *rc::gen::arbitrary<bool>();
    n.availability = static_cast<Availability>(*rc::gen::inRange(0, 3));
  }
  in.running = with_noise(in.running, in);
  Assignment a = must_place(in);
  std::set<std::pair<std::string, std::string>> reported;  // (service, node)
  for (const RunningTask& t : in.running) reported.insert({t.service, t.node.name});
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> free;
  for (const Node& n : in.nodes) free[n.id.name] = {n.cpu_millis, n.memory_bytes};
  for (const PlacedTask& t : a.tasks) {
    const Service* s = find_service(in, a.services[t.service]);
    const Node* n = find_node(in, a.nodes[t.node].name);
    RC_ASSERT(n->alive && n->availability != Availability::kDrain);
    if (n->availability == Availability::kPause)
      RC_ASSERT(reported.count({s->name, n->id.name}) == 1u);
    RC_ASSERT(satisfies_all(n->labels, s->constraints));
    RC_ASSERT(free[n->id.name].first >= s->cpu_millis);
    RC_ASSERT(free[n->id.name].second >= s->memory_bytes);
    free[n->id.name].first -= s->cpu_millis;
    free[n->id.name].second -= s->memory_bytes;
  }
  for (const Service& s : in.services) {
    if (s.mode != ServiceMode::kReplicated) continue;
    std::uint32_t si = *a.service_index(s.name);
    std::set<std::uint32_t> slots;
    for (const PlacedTask& t : a.tasks)
      if (t.service == si) RC_ASSERT(slots.insert(t.slot).second);
    for (const UnplacedSlot& u : a.unplaced) {
      if (u.service != si) continue;
      RC_ASSERT(slots.insert(u.slot).second);
      for (const Node& n : in.nodes) {
        bool eligible = n.alive && n.availability == Availability::kActive &&
                        satisfies_all(n.labels, s.constraints);
        bool room = free[n.id.name].first >= s.cpu_millis && free[n.id.name].second >= s.memory_bytes;
        RC_ASSERT(!(eligible && room));
      }
    }
    RC_ASSERT(slots.size() == s.replicas);
  }
}

// (4) Determinism with duplicates: the same facts, with the running list (duplicates, stale
// entries and all), nodes, services and constraints in any order, give the same assignment.
RC_GTEST_PROP(PlaceSticky, SameRunningListInAnyOrderGivesTheSameAssignment, ()) {
  PlacementInput in = arbitrary_input();
  in.running = with_noise(running_of(must_place(in)), in);
  // Some duplicates of real entries on other nodes, so rings must break ties between claims.
  std::size_t dups = in.running.empty() || in.nodes.empty() ? 0 : *rc::gen::inRange<std::size_t>(0, 10);
  for (std::size_t i = 0; i < dups; ++i) {
    RunningTask t = in.running[*rc::gen::inRange<std::size_t>(0, in.running.size())];
    t.node = in.nodes[*rc::gen::inRange<std::size_t>(0, in.nodes.size())].id;
    in.running.push_back(t);
  }
  PlacementInput shuffled = in;
  std::mt19937_64 rng(*rc::gen::arbitrary<std::uint64_t>());
  std::shuffle(shuffled.running.begin(), shuffled.running.end(), rng);
  std::shuffle(shuffled.nodes.begin(), shuffled.nodes.end(), rng);
  std::shuffle(shuffled.services.begin(), shuffled.services.end(), rng);
  for (Service& s : shuffled.services) std::shuffle(s.constraints.begin(), s.constraints.end(), rng);
  Result<Assignment> a = place(in);
  Result<Assignment> b = place(shuffled);
  RC_ASSERT(a.ok() && b.ok());
  RC_ASSERT(*a == *b);
  // Exactly one node per slot, whatever the duplicates.
  std::set<std::pair<std::uint32_t, std::uint32_t>> slots;
  for (const PlacedTask& t : a->tasks)
    if (t.slot != kGlobalSlot) RC_ASSERT(slots.insert({t.service, t.slot}).second);
}

// A cluster with room for everything: zones a/b/c with at least two nodes each, services of
// every kind (free, zone==, zone!=, spread over zone).
PlacementInput roomy_cluster() {
  PlacementInput in;
  std::size_t nodes = *rc::gen::inRange<std::size_t>(6, 30);
  for (std::size_t i = 0; i < nodes; ++i)
    in.nodes.push_back(node("n" + std::to_string(i), std::string(1, static_cast<char>('a' + i % 3))));
  std::size_t services = *rc::gen::inRange<std::size_t>(1, 15);
  for (std::size_t i = 0; i < services; ++i) {
    Service s = service("s" + std::to_string(i), *rc::gen::inRange<std::uint32_t>(0, 40), 10, kMiB);
    std::string z(1, static_cast<char>('a' + *rc::gen::inRange(0, 3)));
    switch (*rc::gen::inRange(0, 4)) {
      case 1: s.constraints.push_back({"zone", ConstraintOp::kEq, z}); break;
      case 2: s.constraints.push_back({"zone", ConstraintOp::kNe, z}); break;
      case 3: s.spread_label = "zone"; break;
      default: break;
    }
    in.services.push_back(s);
  }
  return in;
}

// `in` after a node "new" joined, with everything of `before` running where it was placed.
PlacementInput with_new_node(const PlacementInput& in, const Assignment& before) {
  PlacementInput joined = in;
  joined.running = running_of(before);
  joined.nodes.push_back(node("new"));
  return joined;
}

// One node of a roomy cluster leaves (dies or is drained), the others keep running what the
// placement before gave them: the shared set-up of the leave properties.
struct LeaveCase {
  PlacementInput in;
  PlacementConfig cfg;
  Assignment before;
  std::size_t victim = 0;
  PlacementInput left;
  Assignment after;
};

LeaveCase one_node_leaves(bool pull) {
  LeaveCase c;
  c.in = roomy_cluster();
  c.cfg.load_epsilon = *rc::gen::element(0.0, 0.1, 0.25, 1.0);
  if (!pull) c.cfg.pull_below_mean = 0;
  c.before = must_place(c.in, c.cfg);
  c.victim = *rc::gen::inRange<std::size_t>(0, c.in.nodes.size());
  c.left = c.in;
  c.left.running = running_of(c.before);
  if (*rc::gen::arbitrary<bool>())
    c.left.nodes[c.victim].alive = false;
  else
    c.left.nodes[c.victim].availability = Availability::kDrain;
  c.after = must_place(c.left, c.cfg);
  return c;
}

// (2) Without the pull (rule 3c), a node leaving (dead or drained) moves exactly its own tasks:
// every other task keeps its node (when no node had to go above its cap in the first placement).
// With the pull, see LeaveMovesTheLeaversTasksAndPullsOnlyIntoNodesUnderTheTrigger.
RC_GTEST_PROP(PlaceSticky, LeaveMovesExactlyTheLeaversTasks, ()) {
  auto [in, cfg, before, victim, left, after] = one_node_leaves(false);
  std::uint32_t victim_load = before.load_per_node()[*before.node_index(in.nodes[victim].id.name)];
  RC_ASSERT(after.unplaced.empty());
  RC_TAG(nothing_yielded(in, before, cfg.load_epsilon) ? "rules held" : "a rule yielded");
  if (!nothing_yielded(in, before, cfg.load_epsilon)) return;  // see ThePlacementRunningNowIsAFixedPoint
  RC_ASSERT(count_moved(before, after) == victim_load);
  for (const PlacedTask& t : before.tasks)
    if (before.nodes[t.node] != in.nodes[victim].id)
      RC_ASSERT(after.node_of(before.services[t.service], t.slot) == before.nodes[t.node]);
}

// (3) Without the pull (rule 3c), a node joining moves only what the lower bound forces off a
// node: from each node, at most load - new keep limit (ceil((1 + eps) x mean)) tasks leave. Services have at most one replica per node (replicas <= nodes), so the per-service limit
// does not change. With the pull, see AJoiningNodeTakesAboutItsShare.
RC_GTEST_PROP(PlaceSticky, JoinMovesOnlyWhatTheNewCapsForce, ()) {
  std::size_t nodes = *rc::gen::inRange<std::size_t>(2, 30);
  PlacementInput in;
  for (std::size_t i = 0; i < nodes; ++i) in.nodes.push_back(node("n" + std::to_string(i)));
  std::size_t services = *rc::gen::inRange<std::size_t>(1, 25);
  std::uint64_t slots = 0;
  for (std::size_t i = 0; i < services; ++i) {
    in.services.push_back(service("s" + std::to_string(i),
                                  *rc::gen::inRange<std::uint32_t>(0, static_cast<std::uint32_t>(nodes) + 1)));
    slots += in.services.back().replicas;
  }
  PlacementConfig cfg;
  cfg.load_epsilon = *rc::gen::element(0.0, 0.1, 0.25, 1.0);
  cfg.pull_below_mean = 0;
  Assignment before = must_place(in, cfg);
  PlacementInput joined = with_new_node(in, before);
  Assignment after = must_place(joined, cfg);
  RC_ASSERT(after.tasks.size() == before.tasks.size());
  RC_TAG(nothing_yielded(in, before, cfg.load_epsilon) ? "rules held" : "a rule yielded");
  if (!nothing_yielded(in, before, cfg.load_epsilon)) return;  // see ThePlacementRunningNowIsAFixedPoint

  const double bound = load_bound(cfg.load_epsilon, slots, nodes + 1);
  std::vector<std::uint32_t> load = before.load_per_node();
  std::map<std::string, std::uint64_t> moved_from;
  for (const PlacedTask& t : before.tasks)
    if (after.node_of(before.services[t.service], t.slot) != before.nodes[t.node])
      ++moved_from[before.nodes[t.node].name];
  std::uint64_t moved = 0, forced = 0;
  for (std::size_t n = 0; n < before.nodes.size(); ++n) {
    std::uint32_t cap = keep_limit(bound, stable_hash(before.nodes[n].name));
    std::uint64_t excess = load[n] > cap ? load[n] - cap : 0;
    RC_ASSERT(moved_from[before.nodes[n].name] <= excess);
    moved += moved_from[before.nodes[n].name];
    forced += excess;
  }
  RC_ASSERT(moved == count_moved(before, after));
  RC_ASSERT(moved <= forced);
}

// ---- take your arc (rule 3c): nodes under the trigger pull their ring slots home ---------------

// Pull thresholds of every node of `a` for the replicated slots and active nodes of `in`.
struct PullBounds {
  std::vector<std::uint32_t> trigger, target;  // by node index of `a`
};
PullBounds pull_bounds(const PlacementInput& in, const Assignment& a, const PlacementConfig& cfg) {
  std::uint64_t slots = 0;
  for (const Service& s : in.services)
    if (s.mode == ServiceMode::kReplicated) slots += s.replicas;
  std::size_t active = 0;
  for (const Node& n : in.nodes) active += n.alive && n.availability == Availability::kActive;
  const double bound = load_bound(cfg.load_epsilon, slots, active);
  PullBounds b;
  for (const NodeId& id : a.nodes) {
    std::uint64_t h = stable_hash(id.name);
    std::uint32_t cap = load_cap(bound, h);
    std::uint32_t target = std::min(cap, std::max(pull_threshold(cfg.pull_below_mean, slots, active, h),
                                                  pull_threshold(cfg.pull_up_to_mean, slots, active, h)));
    b.target.push_back(target);
    b.trigger.push_back(std::min(target, pull_threshold(cfg.pull_below_mean, slots, active, h)));
  }
  return b;
}

// Tasks per node name.
std::map<std::string, std::uint32_t> loads_by_name(const Assignment& a) {
  std::map<std::string, std::uint32_t> out;
  std::vector<std::uint32_t> load = a.load_per_node();
  for (std::size_t n = 0; n < a.nodes.size(); ++n) out[a.nodes[n].name] = load[n];
  return out;
}

// Most tasks a node that held `was` tasks and gave `gave` away may receive by pulls: a node
// pulls only once under its trigger (from the start, or after giving tasks to another puller:
// a chain) and only up to its target.
std::uint64_t pull_room(std::uint32_t was, std::uint32_t gave, std::uint32_t trigger, std::uint32_t target) {
  if (was >= trigger && was - gave >= trigger) return 0;
  return (target > was ? target - was : 0) + gave;
}

// A cluster where a joining node's arcs hold about its share: no constraints, room for
// everything, few replicas per service (so the per-service limit rarely sends a slot past its
// first node) and at least ~30 tasks per node (so the share is not lost in Poisson noise).
PlacementInput many_small_services(std::size_t nodes) {
  PlacementInput in;
  for (std::size_t i = 0; i < nodes; ++i) in.nodes.push_back(node("n" + std::to_string(i)));
  std::size_t services = nodes * *rc::gen::inRange<std::size_t>(15, 30);
  for (std::size_t i = 0; i < services; ++i)
    in.services.push_back(service("s" + std::to_string(i), *rc::gen::inRange<std::uint32_t>(1, 4), 10, kMiB));
  return in;
}

// (5) A node that joins takes about its share (tasks/N) of the running tasks, not more than its
// target, and a join moves little more than that: the tasks the new node took, the tasks the
// lower bound forces off full nodes, and what old nodes under their trigger pull (pull_room:
// their own arcs' slots, none when the first placement left none elsewhere).
RC_GTEST_PROP(PlaceSticky, AJoiningNodeTakesAboutItsShare, ()) {
  const std::size_t nodes = *rc::gen::inRange<std::size_t>(3, 20);  // >= replicas: the per-service limit stays 1
  PlacementInput in = many_small_services(nodes);
  PlacementConfig cfg;
  cfg.load_epsilon = *rc::gen::element(0.1, 0.25, 1.0);
  Assignment before = must_place(in, cfg);
  PlacementInput joined = with_new_node(in, before);
  Assignment after = must_place(joined, cfg);
  RC_ASSERT(after.tasks.size() == before.tasks.size());

  const PullBounds b = pull_bounds(joined, after, cfg);
  const std::uint32_t fresh = *after.node_index("new");
  const std::uint32_t landed = after.load_per_node()[fresh];
  const double share = static_cast<double>(before.tasks.size()) / static_cast<double>(nodes + 1);
  RC_ASSERT(static_cast<double>(landed) >= 0.5 * share);  // measured minimum ~0.6 (small N)
  RC_ASSERT(landed <= b.target[fresh]);

  std::map<std::string, std::uint32_t> was = loads_by_name(before), arrived, left;
  for (const PlacedTask& t : before.tasks) {
    const std::string& from = before.nodes[t.node].name;
    const std::string to = after.node_of(before.services[t.service], t.slot)->name;
    if (from == to) continue;
    ++left[from];
    ++arrived[to];
  }
  const double bound = load_bound(cfg.load_epsilon, before.tasks.size(), nodes + 1);
  std::uint64_t forced = 0, pulls = 0;
  for (const auto& [name, load] : was) {
    const std::uint32_t cap = keep_limit(bound, stable_hash(name));
    if (load > cap) forced += load - cap;
  }
  for (std::size_t n = 0; n < after.nodes.size(); ++n) {
    const std::string& name = after.nodes[n].name;
    if (n == fresh) continue;
    const std::uint64_t room = pull_room(was[name], left[name], b.trigger[n], b.target[n]);
    pulls += room;
    // Tasks forced off full nodes may land anywhere; without them only pulls arrive.
    if (forced == 0) RC_ASSERT(arrived[name] <= room);
  }
  RC_TAG(forced == 0 ? "nothing forced" : "forced by the bound");
  RC_TAG(pulls == 0 ? "only the new node pulls" : "old nodes may pull");
  RC_ASSERT(count_moved(before, after) <= landed + forced + pulls);
}

// (6) With the pull, a node leaving moves its own tasks, and any other move is a pull: into a
// node that was under its trigger (mean after the leave), or fell under it by giving tasks to
// another puller (a chain), and then only up to its target.
RC_GTEST_PROP(PlaceSticky, LeaveMovesTheLeaversTasksAndPullsOnlyIntoNodesUnderTheTrigger, ()) {
  auto [in, cfg, before, victim, left, after] = one_node_leaves(true);
  RC_ASSERT(after.unplaced.empty());
  RC_TAG(nothing_yielded(in, before, cfg.load_epsilon) ? "rules held" : "a rule yielded");
  if (!nothing_yielded(in, before, cfg.load_epsilon)) return;  // see ThePlacementRunningNowIsAFixedPoint

  const PullBounds b = pull_bounds(left, after, cfg);
  std::map<std::string, std::uint32_t> was = loads_by_name(before);
  std::map<std::string, std::uint32_t> pulled, gave;  // moves of tasks not on the leaver
  std::uint64_t pulls = 0;
  for (const PlacedTask& t : before.tasks) {
    if (before.nodes[t.node] == in.nodes[victim].id) continue;
    std::optional<NodeId> now = after.node_of(before.services[t.service], t.slot);
    RC_ASSERT(now.has_value());
    if (*now == before.nodes[t.node]) continue;
    ++pulled[now->name];
    ++gave[before.nodes[t.node].name];
    ++pulls;
  }
  RC_TAG(pulls == 0 ? "no pull" : "pulls");
  for (const auto& [name, count] : pulled) {
    const std::uint32_t n = *after.node_index(name);
    RC_ASSERT(count <= pull_room(was[name], gave[name], b.trigger[n], b.target[n]));
  }
}

TEST(PlaceSticky, ADuplicatedSlotKeepsOneNodeAndAMovedSlotStays) {
  PlacementInput in;
  for (int i = 0; i < 6; ++i) in.nodes.push_back(node("n" + std::to_string(i)));
  in.services.push_back(service("web", 6));
  Assignment before = must_place(in);
  ASSERT_EQ(before.tasks.size(), 6u);
  // Slot 0 is reported on its node and on another one (a move in flight); slot 1 runs on a
  // node the hash would not pick for it (placed there by an earlier cluster).
  std::string home0 = before.node_of("web", 0)->name;
  std::string other = home0 == "n0" ? "n1" : "n0";
  in.running = {RunningTask{"web", 0, NodeId{home0}}, RunningTask{"web", 0, NodeId{other}}};
  Assignment a = must_place(in);
  std::size_t on_slot0 = 0;
  for (const PlacedTask& t : a.tasks) on_slot0 += t.slot == 0;
  EXPECT_EQ(on_slot0, 1u);
  std::swap(in.running[0], in.running[1]);
  EXPECT_EQ(must_place(in), a);

  std::string home1 = before.node_of("web", 1)->name;
  std::string elsewhere;
  for (const Node& n : in.nodes)
    if (n.id.name != home1 && before.load_per_node()[*before.node_index(n.id.name)] == 1 &&
        n.id.name != before.node_of("web", 0)->name)
      elsewhere = n.id.name;
  ASSERT_FALSE(elsewhere.empty());
  in.running = {RunningTask{"web", 1, NodeId{elsewhere}}};
  EXPECT_EQ(must_place(in).node_of("web", 1)->name, elsewhere);
}

// ---- examples ----------------------------------------------------------------------------------

// Found by ThePlacementRunningNowIsAFixedPoint: zone a's only node is full, so a spread slot of
// zone a's quota runs in zone b. Re-run with the placement running, zone b is over its quota, one
// of its tasks waits for the fallback, and its node must not lend that room to a pull (rule 3c).
TEST(PlaceSticky, ANodeWhoseTaskWaitsForTheFallbackDoesNotPull) {
  PlacementInput in;
  in.nodes = {node("n0", "a", 4000, 4 * kGiB), node("n1", "b", 2000, 2 * kGiB),
              node("n2", "b", 2000, 2 * kGiB)};
  in.services = {service("s1", 13, 0, 640 * kMiB), service("s2", 11, 0, 256 * kMiB)};
  in.services[1].spread_label = "zone";
  PlacementConfig cfg;
  cfg.load_epsilon = 1.0;
  Assignment a = must_place(in, cfg);
  in.running = running_of(a);
  EXPECT_EQ(must_place(in, cfg), a);
}

// A joining node takes about its share from its arcs, and moves little else; without the pull
// it takes almost nothing (sticky placement keeps every running task where it runs).
TEST(PlaceSticky, AJoiningNodeTakesItsShareFromItsArcs) {
  PlacementInput in;
  for (int i = 0; i < 20; ++i) in.nodes.push_back(node("n" + std::to_string(i)));
  for (int i = 0; i < 600; ++i) in.services.push_back(service("s" + std::to_string(i), 2));
  Assignment before = must_place(in);
  PlacementInput joined = with_new_node(in, before);
  Assignment after = must_place(joined);
  const std::uint32_t landed = after.load_per_node()[*after.node_index("new")];
  const double share = 1200.0 / 21;  // 57
  EXPECT_GE(landed, 0.8 * share);
  EXPECT_LE(landed, 58u);  // its target: the mean
  EXPECT_LE(static_cast<double>(count_moved(before, after)), 1.1 * landed);
  joined.running = running_of(after);
  EXPECT_EQ(must_place(joined), after);  // and it stays so

  PlacementConfig off;
  off.pull_below_mean = 0;
  joined.running = running_of(before);
  Assignment sticky_only = must_place(joined, off);
  // Only what the lower bound pushed off full nodes may land on it.
  EXPECT_LT(sticky_only.load_per_node()[*sticky_only.node_index("new")], 0.1 * share);
}

TEST(Place, SpreadsReplicasOverNodesBeforeDoublingUp) {
  PlacementInput in;
  for (int i = 0; i < 5; ++i) in.nodes.push_back(node("n" + std::to_string(i)));
  in.services.push_back(service("web", 10));
  Assignment a = must_place(in);
  for (std::uint32_t load : a.load_per_node()) EXPECT_EQ(load, 2u);
}

TEST(Place, PausedNodeKeepsItsTasksAndTakesNoNewOnes) {
  PlacementInput in;
  for (int i = 0; i < 4; ++i) in.nodes.push_back(node("n" + std::to_string(i)));
  in.services.push_back(service("web", 8));
  Assignment before = must_place(in);
  ASSERT_EQ(before.tasks.size(), 8u);
  // n1 is paused while running what it ran; web scales up.
  PlacementInput paused = in;
  paused.nodes[1].availability = Availability::kPause;
  for (const PlacedTask& t : before.tasks)
    paused.running.push_back(RunningTask{"web", t.slot, before.nodes[t.node]});
  paused.services[0].replicas = 16;
  Assignment after = must_place(paused);
  std::uint32_t n1 = *after.node_index("n1");
  std::set<std::uint32_t> kept, now;
  for (const PlacedTask& t : before.tasks)
    if (before.nodes[t.node].name == "n1") kept.insert(t.slot);
  for (const PlacedTask& t : after.tasks)
    if (t.node == n1) now.insert(t.slot);
  EXPECT_FALSE(kept.empty());
  EXPECT_EQ(kept, now);
  EXPECT_EQ(after.tasks.size(), 16u);
}

TEST(Place, DrainedAndDeadNodesRunNothing) {
  PlacementInput in;
  for (int i = 0; i < 4; ++i) in.nodes.push_back(node("n" + std::to_string(i)));
  in.nodes[0].availability = Availability::kDrain;
  in.nodes[1].alive = false;
  in.services.push_back(service("web", 8));
  in.running.push_back(RunningTask{"web", 0, NodeId{"n0"}});  // drain does not keep tasks
  Assignment a = must_place(in);
  EXPECT_EQ(a.tasks.size(), 8u);
  std::vector<std::uint32_t> load = a.load_per_node();
  EXPECT_EQ(load[*a.node_index("n0")], 0u);
  EXPECT_EQ(load[*a.node_index("n1")], 0u);
}

TEST(Place, ReasonNamesTheConstraintNoNodeMeets) {
  PlacementInput in;
  in.nodes.push_back(node("n0", "a"));
  Service s = service("db", 2);
  s.constraints.push_back({"zone", ConstraintOp::kEq, "b"});
  in.services.push_back(s);
  Assignment a = must_place(in);
  ASSERT_EQ(a.unplaced.size(), 2u);
  EXPECT_EQ(a.unplaced[0].reason, "no active node satisfies node.labels.zone==b");
}

TEST(Place, ReasonNamesTheMissingMemory) {
  PlacementInput in;
  in.nodes.push_back(node("n0", "a", 4000, 256 * kMiB));
  in.services.push_back(service("db", 1, 100, 512 * kMiB));
  Assignment a = must_place(in);
  ASSERT_EQ(a.unplaced.size(), 1u);
  EXPECT_EQ(a.unplaced[0].reason, "insufficient memory: need 512MiB, best node has 256MiB free");
}

TEST(Place, ReasonWhenNoNodeIsActive) {
  PlacementInput in;
  in.nodes.push_back(node("n0"));
  in.nodes[0].alive = false;
  in.nodes.push_back(node("n1"));
  in.nodes[1].availability = Availability::kPause;
  in.services.push_back(service("db", 1));
  Assignment a = must_place(in);
  ASSERT_EQ(a.unplaced.size(), 1u);
  EXPECT_EQ(a.unplaced[0].reason, "no active node (2 known: 1 down, 1 paused, 0 draining)");
}

TEST(Place, PlacesWhatFitsAndExplainsTheRest) {
  PlacementInput in;
  in.nodes.push_back(node("n0", "a", 1000, 8 * kGiB));
  in.services.push_back(service("cpu-hungry", 5, 300, kMiB));
  Assignment a = must_place(in);
  EXPECT_EQ(a.tasks.size(), 3u);
  ASSERT_EQ(a.unplaced.size(), 2u);
  EXPECT_EQ(a.unplaced[0].reason, "insufficient cpu: need 300m, best node has 100m free");
}

TEST(Place, CapYieldsWhenConstraintsLeaveFewNodes) {
  // 20 slots may only use 2 of 10 nodes: far over the cap, yet every slot is placed.
  PlacementInput in;
  for (int i = 0; i < 10; ++i) in.nodes.push_back(node("n" + std::to_string(i), i < 2 ? "b" : "a"));
  Service s = service("pinned", 20);
  s.constraints.push_back({"zone", ConstraintOp::kEq, "b"});
  in.services.push_back(s);
  Assignment a = must_place(in);
  EXPECT_EQ(a.tasks.size(), 20u);
  EXPECT_TRUE(a.unplaced.empty());
}

TEST(Place, RejectsMalformedInput) {
  PlacementInput dup_node;
  dup_node.nodes = {node("n0"), node("n0")};
  EXPECT_NE(place(dup_node).message().find("'n0' appears twice"), std::string::npos);
  PlacementInput dup_svc;
  dup_svc.services = {service("s", 1), service("s", 2)};
  EXPECT_NE(place(dup_svc).message().find("'s' appears twice"), std::string::npos);
  PlacementInput huge;
  huge.services = {service("s", 4'000'000'000u), service("t", 4'000'000'000u)};
  EXPECT_NE(place(huge).message().find("task slots"), std::string::npos);
  PlacementInput unnamed;
  unnamed.services = {service("", 1)};
  EXPECT_FALSE(place(unnamed).ok());
  PlacementConfig bad;
  bad.load_epsilon = -1;
  EXPECT_FALSE(place(PlacementInput{}, bad).ok());
  bad = PlacementConfig{};
  bad.vnodes_per_node = 0;
  EXPECT_FALSE(place(PlacementInput{}, bad).ok());
  bad = PlacementConfig{};
  bad.pull_up_to_mean = 0.5;  // under the trigger
  EXPECT_FALSE(place(PlacementInput{}, bad).ok());
  bad = PlacementConfig{};
  bad.pull_below_mean = std::nan("");
  EXPECT_FALSE(place(PlacementInput{}, bad).ok());
}

TEST(Place, EmptyInputsGiveAnEmptyAssignment) {
  Assignment a = must_place(PlacementInput{});
  EXPECT_TRUE(a.tasks.empty());
  EXPECT_TRUE(a.unplaced.empty());
}

// Bounded loads with the default cap: one node leaving moves its own tasks plus a small
// cascade (pinned here for this cluster, so a regression in stability shows up).
TEST(Place, LeaveUnderTheCapMovesLittleMoreThanTheLeaversTasks) {
  PlacementInput in;
  for (int i = 0; i < 100; ++i) in.nodes.push_back(node("n" + std::to_string(i)));
  for (int i = 0; i < 200; ++i) in.services.push_back(service("s" + std::to_string(i), 50));
  Assignment before = must_place(in);
  std::uint64_t moved = 0, optimal = 0;
  for (int v = 0; v < 10; ++v) {
    PlacementInput left = in;
    left.nodes[v * 7].alive = false;
    moved += count_moved(before, must_place(left));
    optimal += before.load_per_node()[*before.node_index(in.nodes[v * 7].id.name)];
  }
  EXPECT_GT(optimal, 0u);
  EXPECT_LE(static_cast<double>(moved), 1.5 * static_cast<double>(optimal));
}

}  // namespace
}  // namespace shoal::placement
