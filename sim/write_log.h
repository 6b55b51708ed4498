// The log of acknowledged writes, by field, and what each field must read once every replica
// has them: the "no acknowledged write is lost" invariant. Record every durable local delta
// (sim::Cluster::on_durable_delta: acknowledged user writes and each node's task status), then
// check() each replica once the cluster has healed. A field's expected value comes from the log
// alone: availability = the write with the largest HLC; a node's task = that node's latest
// write; a service = the largest-HLC write among those no later write replaced or removed
// (services are add-wins: a remove deletes only the writes its node had seen, so a write
// concurrent with it survives), absent if none is left.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "crdt/desired_state.h"

namespace shoal::sim {

namespace write_log_detail {

using crdt::Availability;
using crdt::DesiredState;
using crdt::Dot;
using crdt::Service;
using crdt::TaskKey;
using crdt::TaskStatus;

inline std::string describe(const Service* s) {
  if (s == nullptr) return "absent";
  std::string args;
  for (const auto& a : s->spec.task.args) args += " " + a;
  return "v" + std::to_string(s->version) + " replicas=" + std::to_string(s->spec.replicas) + " args=[" + args +
         " ]";
}

inline std::string describe(const HlcTimestamp& at) {
  return std::to_string(at.wall_ms) + "." + std::to_string(at.logical);
}

// The acknowledged writes, by field, and what each field must read once every replica has them.
class WriteLog {
 public:
  void record(const DesiredState& delta) {
    for (const auto& [name, entry] : delta.services.entries) {
      Field& f = services_[name];
      for (const auto& [dot, reg] : entry.live) f.puts.push_back(reg);
      for (const auto& [dot, stone] : entry.removed) {
        auto [it, inserted] = f.removed.emplace(dot, stone.at);
        if (!inserted) it->second = std::min(it->second, stone.at);
      }
      ++writes_;
    }
    for (const auto& [node, reg] : delta.availability) {
      auto [it, inserted] = availability_.emplace(node, reg);
      if (!inserted && later(reg, it->second)) it->second = reg;
      ++writes_;
    }
    for (const auto& [writer, entries] : delta.tasks.writers) {
      for (const auto& [key, entry] : entries) {
        auto [it, inserted] = tasks_.emplace(std::pair{writer, key}, entry);
        if (!inserted && entry.counter > it->second.counter) {
          if (!(entry.at > it->second.at)) causality_errors_.push_back("task write by " + writer.name +
                                                                        " has a smaller HLC than its previous one");
          it->second = entry;
        }
        ++writes_;
      }
    }
  }

  std::size_t writes() const { return writes_; }

  // "" if `state` reads exactly what the log says, else the first few differences.
  std::string check(const std::string& who, const DesiredState& state) const {
    std::vector<std::string> errors = causality_errors_;
    check_services(state, errors);
    check_availability(state, errors);
    check_tasks(state, errors);
    std::string out;
    for (std::size_t i = 0; i < errors.size() && i < 5; ++i) out += "\n  " + who + ": " + errors[i];
    if (errors.size() > 5) out += "\n  " + who + ": ... " + std::to_string(errors.size() - 5) + " more";
    return out;
  }

 private:
  struct Field {
    std::vector<crdt::LwwRegister<Service>> puts;
    std::map<Dot, HlcTimestamp> removed;  // dots some write replaced or removed, and its HLC
  };

  static bool later(const crdt::LwwRegister<Availability>& a, const crdt::LwwRegister<Availability>& b) {
    return std::tie(a.at, a.dot.writer, a.dot.counter) > std::tie(b.at, b.dot.writer, b.dot.counter);
  }
  template <typename T>
  static bool later_put(const crdt::LwwRegister<T>& a, const crdt::LwwRegister<T>& b) {
    return std::tie(a.at, a.dot.writer, a.dot.counter) > std::tie(b.at, b.dot.writer, b.dot.counter);
  }

  // Per field (crdt/service_merge.h): among the writes no later write replaced or removed, the
  // one whose stamp for the field is largest sets it; and every stamp a write kept names a
  // logged write that set the same value, so a value is never attributed to the wrong write.
  void check_services(const DesiredState& state, std::vector<std::string>& errors) const {
    for (const auto& [name, f] : services_) {
      std::vector<const crdt::LwwRegister<Service>*> survivors;
      std::map<Dot, const crdt::LwwRegister<Service>*> by_dot;
      for (const auto& put : f.puts) {
        by_dot[put.dot] = &put;
        auto removed = f.removed.find(put.dot);
        if (removed == f.removed.end()) {
          survivors.push_back(&put);
        } else if (!(removed->second > put.at)) {
          // Only a write that had seen this one may replace it, so it must be later by HLC.
          errors.push_back("service " + name + ": a write at " + describe(put.at) + " was replaced by an earlier one at " +
                           describe(removed->second));
        }
      }
      check_kept_stamps(name, f, by_dot, errors);
      const Service* got = state.service(name);
      if (survivors.empty()) {
        if (got != nullptr) errors.push_back("service " + name + " is " + describe(got) + ", expected it removed");
        continue;
      }
      if (got == nullptr) {
        errors.push_back("service " + name + " is absent, expected " + describe(&survivors.front()->value));
        continue;
      }
      for (const auto field : crdt::kServiceFields) {
        const crdt::LwwRegister<Service>* want = nullptr;
        for (const auto* s : survivors)
          if (want == nullptr || crdt::field_stamp(*s, field) > crdt::field_stamp(*want, field)) want = s;
        if (!crdt::same_field(*got, want->value, field))
          errors.push_back("service " + name + " " + crdt::to_string(field) + " is " + crdt::field_text(*got, field) +
                           ", expected " + crdt::field_text(want->value, field) + " (written by " +
                           crdt::field_stamp(*want, field).dot.writer.name + " at " +
                           describe(crdt::field_stamp(*want, field).at) + ")");
      }
    }
    for (const Service* s : state.all_services())
      if (!services_.count(s->name)) errors.push_back("service " + s->name + " was never written");
  }

  void check_availability(const DesiredState& state, std::vector<std::string>& errors) const {
    for (const auto& [node, want] : availability_) {
      auto it = state.availability.find(node);
      if (it == state.availability.end() || !(it->second == want))
        errors.push_back("availability of " + node.name + " is " +
                         (it == state.availability.end() ? std::string("unset") : crdt::to_string(it->second.value)) +
                         ", expected " + crdt::to_string(want.value) + " (written by " + want.dot.writer.name + " at " +
                         describe(want.at) + ")");
    }
    for (const auto& [node, reg] : state.availability)
      if (!availability_.count(node)) errors.push_back("availability of " + node.name + " was never written");
  }

  void check_tasks(const DesiredState& state, std::vector<std::string>& errors) const {
    for (const auto& [field, want] : tasks_) {
      const TaskStatus* got = state.task(field.first, field.second);
      const bool ok = want.value ? got != nullptr && *got == *want.value : got == nullptr;
      if (!ok)
        errors.push_back("task " + field.second.service + "." + std::to_string(field.second.slot) + " of " +
                         field.first.name + " is " + (got ? crdt::to_string(got->state) : "absent") + ", expected " +
                         (want.value ? crdt::to_string(want.value->state) : "deleted"));
    }
    for (const auto& [runner, task] : state.all_tasks())
      if (!tasks_.count({runner, task->key()})) errors.push_back("task of " + runner.name + " was never written");
  }

  void check_kept_stamps(const std::string& name, const Field& f,
                         const std::map<Dot, const crdt::LwwRegister<Service>*>& by_dot,
                         std::vector<std::string>& errors) const {
    for (const auto& put : f.puts) {
      for (const auto& [field, stamp] : put.value.stamps) {
        auto it = by_dot.find(stamp.dot);
        if (it == by_dot.end()) {
          errors.push_back("service " + name + ": a write kept " + crdt::to_string(field) + " from a write never logged");
          continue;
        }
        const Service& setter = it->second->value;
        if (!crdt::same_field(setter, put.value, field) || crdt::field_stamp(*it->second, field) != stamp)
          errors.push_back("service " + name + ": a write kept " + crdt::to_string(field) + " " +
                           crdt::field_text(put.value, field) + " but its write set " + crdt::field_text(setter, field));
      }
    }
  }

  std::map<std::string, Field> services_;
  std::map<NodeId, crdt::LwwRegister<Availability>> availability_;
  std::map<std::pair<NodeId, TaskKey>, crdt::WriterEntry<TaskStatus>> tasks_;
  std::vector<std::string> causality_errors_;
  std::size_t writes_ = 0;
};

}  // namespace write_log_detail

using write_log_detail::WriteLog;

}  // namespace shoal::sim
