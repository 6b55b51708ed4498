// Test helper: replicas driven by a random history of writes and deliveries (duplicated,
// reordered, lost), shared by the CRDT property tests. Everything derives from the generated
// op list, so rapidcheck can shrink a failure to a short history.
#pragma once

#include <rapidcheck.h>

#include <ostream>
#include <string>
#include <vector>

#include "crdt/anti_entropy.h"
#include "crdt/desired_state.h"

namespace shoal::crdt::testing {

enum class OpKind : int {
  kPutService, kRemoveService, kSetAvailability, kPutTask, kDeleteTask,
  kDeliverOldDelta, kMergeFullState, kCount
};

struct Op {
  int kind = 0;
  int replica = 0;
  int key = 0;
  int value = 0;
  int advance_ms = 0;
};

// How rapidcheck prints a shrunk counterexample (found by argument-dependent lookup).
inline void showValue(const Op& op, std::ostream& os) {
  static constexpr const char* kNames[] = {"put_service", "remove_service", "set_availability",
                                           "put_task", "delete_task", "deliver_old_delta",
                                           "merge_full_state"};
  os << (op.kind >= 0 && op.kind < int(OpKind::kCount) ? kNames[op.kind] : "?") << "(r" << op.replica
     << " key=" << op.key << " value=" << op.value << " +" << op.advance_ms << "ms)";
}

inline rc::Gen<Op> gen_op(int replicas) {
  return rc::gen::build<Op>(rc::gen::set(&Op::kind, rc::gen::inRange(0, int(OpKind::kCount))),
                            rc::gen::set(&Op::replica, rc::gen::inRange(0, replicas)),
                            rc::gen::set(&Op::key, rc::gen::inRange(0, 4)),
                            rc::gen::set(&Op::value, rc::gen::inRange(0, 1000)),
                            rc::gen::set(&Op::advance_ms, rc::gen::inRange(0, 3)));
}

inline rc::Gen<std::vector<Op>> gen_history(int replicas) {
  return rc::gen::resize(60, rc::gen::container<std::vector<Op>>(gen_op(replicas)));
}

inline NodeId node(int i) { return NodeId{"n" + std::to_string(i)}; }

// The template value the history writes: its one argument, kNoArgs before any.
inline constexpr std::uint64_t kNoArgs = ~std::uint64_t{0};
inline std::uint64_t template_value(const Service& s) {
  return s.spec.task.args.empty() ? kNoArgs : std::stoull(s.spec.task.args[0]);
}

inline ServiceSpec spec_with(int replicas) {
  ServiceSpec s;
  s.task.command = "/bin/true";
  s.replicas = static_cast<std::uint32_t>(replicas);
  return s;
}

// One write of a field that the partition property checks survives.
struct Write {
  std::string field;  // "svc:k", "avail:k", "task:writer:k"
  HlcTimestamp at;
  NodeId writer;
  std::uint64_t value;
};

class Cluster {
 public:
  explicit Cluster(int n) {
    for (int i = 0; i < n; ++i) replicas_.emplace_back(node(i));
    deltas_.resize(n);
  }

  // Applies one op. Deliveries only between replicas `can_talk` allows (partitions).
  template <typename CanTalk>
  void apply(const Op& op, CanTalk can_talk) {
    now_ms_ += static_cast<std::uint64_t>(op.advance_ms);
    // Skewed clocks: replica i runs i*3 ms ahead, so HLC has something to order.
    std::uint64_t now = now_ms_ + static_cast<std::uint64_t>(op.replica) * 3;
    Replica& r = replicas_[static_cast<std::size_t>(op.replica)];
    std::string k = "s" + std::to_string(op.key);
    switch (static_cast<OpKind>(op.kind)) {
      case OpKind::kPutService: {
        // Even values scale, odd ones change the task template: writes of different fields,
        // which merge apart (crdt/service_merge.h). A create sets every field.
        const Service* cur = r.state().service(k);
        const bool created = cur == nullptr;
        Service v;
        if (cur != nullptr) {
          v = *cur;
        } else {
          v.name = k;
          v.spec = spec_with(0);
          v.vip = "10.96.0." + std::to_string(k.size());
          v.created_ms = k.size();
        }
        const Service before = v;
        if (op.value % 2 == 0) {
          v.spec.replicas = static_cast<std::uint32_t>(op.value);
        } else {
          v.spec.task.args = {std::to_string(op.value)};
          v.version += 1;
        }
        DesiredState delta = r.put_service(now, v);
        std::vector<std::pair<std::string, std::uint64_t>> fields;
        if (created || before.spec.replicas != v.spec.replicas) fields.emplace_back("svc:" + k, v.spec.replicas);
        // A template write of the value the field already holds (a version bump alone, as
        // `service update --force`) does not restamp the field (crdt/service_merge.h): it is not
        // a write a concurrent change of the template can lose to.
        if (created || template_value(before) != template_value(v)) {
          fields.emplace_back("tpl:" + k, template_value(v));
        }
        record(r, std::move(delta), fields);
        break;
      }
      case OpKind::kRemoveService:
        if (removes_allowed_) {
          if (auto d = r.remove_service(now, k)) keep(op.replica, std::move(d).value());
        }
        break;
      case OpKind::kSetAvailability:
        record(r, r.set_availability(now, node(op.key), Availability(op.value % 3)),
               "avail:" + std::to_string(op.key), static_cast<std::uint64_t>(op.value % 3));
        break;
      case OpKind::kPutTask: {
        TaskStatus t{k, 0, static_cast<std::uint64_t>(op.value), TaskState(op.value % 6), "", "", now};
        record(r, r.put_task(now, t), "task:" + r.self().name + ":" + k,
               static_cast<std::uint64_t>(op.value));
        break;
      }
      case OpKind::kDeleteTask:
        if (removes_allowed_) {
          if (auto d = r.delete_task(now, TaskKey{k, 0})) keep(op.replica, std::move(d).value());
        }
        break;
      case OpKind::kDeliverOldDelta: {
        // A delta from any replica, possibly old, possibly again: duplicates and reordering.
        int from = op.value % size();
        const auto& list = deltas_[static_cast<std::size_t>(from)];
        if (!list.empty() && can_talk(from, op.replica)) {
          r.merge(list[static_cast<std::size_t>(op.key + op.value) % list.size()]);
        }
        break;
      }
      case OpKind::kMergeFullState: {
        int from = (op.replica + 1 + op.value) % size();
        if (can_talk(from, op.replica)) r.merge(replicas_[static_cast<std::size_t>(from)].state());
        break;
      }
      case OpKind::kCount: break;
    }
  }

  void apply(const Op& op) {
    apply(op, [](int, int) { return true; });
  }

  // Anti-entropy push-pull between every pair, through digests and delta_for_peer only
  // (no full-state merges), `passes` times.
  void anti_entropy(int passes) {
    for (int p = 0; p < passes; ++p) {
      for (int a = 0; a < size(); ++a) {
        for (int b = 0; b < size(); ++b) {
          if (a != b) push_pull(a, b);
        }
      }
    }
  }

  void push_pull(int a, int b) {
    Replica& ra = replicas_[static_cast<std::size_t>(a)];
    Replica& rb = replicas_[static_cast<std::size_t>(b)];
    Digest da = make_digest(ra.state(), 16);
    DesiredState reply = delta_for_peer(rb.state(), da);
    Digest db = make_digest(rb.state(), 16);
    ra.merge(reply);
    rb.merge(delta_for_peer(ra.state(), db));
  }

  bool converged() const {
    for (const auto& r : replicas_) {
      if (!(r.state() == replicas_[0].state())) return false;
    }
    return true;
  }

  int size() const { return static_cast<int>(replicas_.size()); }
  Replica& replica(int i) { return replicas_[static_cast<std::size_t>(i)]; }
  const std::vector<Write>& writes() const { return writes_; }
  void allow_removes(bool allowed) { removes_allowed_ = allowed; }

 private:
  void keep(int replica, DesiredState delta) {
    deltas_[static_cast<std::size_t>(replica)].push_back(std::move(delta));
  }

  void record(Replica& r, DesiredState delta, std::string field, std::uint64_t value) {
    record(r, std::move(delta), {{std::move(field), value}});
  }
  void record(Replica& r, DesiredState delta, const std::vector<std::pair<std::string, std::uint64_t>>& fields) {
    HlcTimestamp at = delta.max_timestamp();
    for (const auto& [field, value] : fields) writes_.push_back(Write{field, at, r.self(), value});
    int index = std::stoi(r.self().name.substr(1));
    keep(index, std::move(delta));
  }

  std::vector<Replica> replicas_;
  std::vector<std::vector<DesiredState>> deltas_;
  std::vector<Write> writes_;
  std::uint64_t now_ms_ = 1'700'000'000'000;
  bool removes_allowed_ = true;
};

// Three replica states from one random history (related, overlapping, concurrent).
inline rc::Gen<std::vector<DesiredState>> gen_states() {
  return rc::gen::map(gen_history(3), [](const std::vector<Op>& ops) {
    Cluster c(3);
    for (const auto& op : ops) c.apply(op);
    std::vector<DesiredState> out;
    for (int i = 0; i < 3; ++i) out.push_back(c.replica(i).state());
    return out;
  });
}

}  // namespace shoal::crdt::testing
