#include "crdt/service_merge.h"

#include <algorithm>
#include <tuple>

namespace shoal::crdt {

namespace {

// Each field's members, as a tuple of references (const or not, as `s` is).
template <typename S>
auto scale_of(S& s) { return std::tie(s.spec.mode, s.spec.replicas); }
// What tasks run. `version` and `previous_spec` ride with it but are not compared: a forced
// update (same template, new version) or an update of other fields (which also sets
// previous_spec) must not make the template this write's own, or it would discard a template
// changed concurrently elsewhere. The version of concurrent writes is merged apart (below).
template <typename S>
auto template_of(S& s) {
  return std::tie(s.spec.task, s.spec.reservations, s.spec.health, s.spec.restart);
}
template <typename S>
auto update_config_of(S& s) { return std::tie(s.spec.update, s.spec.rollback); }
template <typename S>
auto placement_of(S& s) { return std::tie(s.spec.constraints, s.spec.spread_label, s.spec.partition); }

}  // namespace

void copy_field(const Service& from, Service& to, ServiceField field) {
  switch (field) {
    case ServiceField::kScale: scale_of(to) = scale_of(from); return;
    case ServiceField::kTemplate:
      template_of(to) = template_of(from);
      to.previous_spec = from.previous_spec;
      return;
    case ServiceField::kUpdateConfig: update_config_of(to) = update_config_of(from); return;
    case ServiceField::kPlacement: placement_of(to) = placement_of(from); return;
    case ServiceField::kPorts: to.spec.ports = from.spec.ports; return;
    case ServiceField::kLabels: to.spec.labels = from.spec.labels; return;
  }
}

namespace {

std::string bounded(std::string text) {
  if (text.size() > kMaxConflictTextBytes) text = text.substr(0, kMaxConflictTextBytes - 3) + "...";
  return text;
}

std::string template_text(const Service& s) {
  const TaskSpec& t = s.spec.task;
  std::string out = "version " + std::to_string(s.version) + ": ";
  out += t.image.empty() ? t.command : "image " + t.image;
  if (!t.image.empty() && !t.command.empty()) out += ", command " + t.command;
  if (!t.args.empty()) {
    out += ", args [";
    for (std::size_t i = 0; i < t.args.size(); ++i) out += (i ? " " : "") + t.args[i];
    out += "]";
  }
  for (const auto& [k, v] : t.env) out += ", " + k + "=" + v;
  return out;
}

std::string joined_map(const char* what, const std::map<std::string, std::string>& m) {
  std::string out = what;
  out += "=";
  bool first = true;
  for (const auto& [k, v] : m) {
    out += (first ? "" : ",") + k + "=" + v;
    first = false;
  }
  return out;
}

// Every write of the service the live writes had seen, and themselves.
VersionVector observed_by(const ServiceWrites& live) {
  VersionVector out;
  for (const auto& [dot, w] : live) {
    for (const auto& [writer, n] : w.value.observed) out[writer] = std::max(out[writer], n);
    out[dot.writer] = std::max(out[dot.writer], dot.counter);
  }
  return out;
}

// Did the write holding `winner` see the write `dot`? (Then it replaced that value on purpose.)
bool saw(const LwwRegister<Service>& winner, const Dot& dot) {
  if (winner.dot == dot) return true;
  auto it = winner.value.observed.find(dot.writer);
  return it != winner.value.observed.end() && it->second >= dot.counter;
}

// The live writes' journals and the writes this merge discards: newest kMaxConflicts.
std::vector<Conflict> merged_journal(const ServiceWrites& live, std::vector<Conflict> found) {
  for (const auto& [dot, w] : live) found.insert(found.end(), w.value.conflicts.begin(), w.value.conflicts.end());
  // One entry per discarded field write, however many merges found it.
  std::sort(found.begin(), found.end(), [](const Conflict& a, const Conflict& b) {
    return std::tie(b.lost_stamp, b.field, b.won_stamp, b.lost, b.won) <
           std::tie(a.lost_stamp, a.field, a.won_stamp, a.lost, a.won);
  });
  found.erase(std::unique(found.begin(), found.end(),
                          [](const Conflict& a, const Conflict& b) {
                            return a.field == b.field && a.lost_stamp == b.lost_stamp;
                          }),
              found.end());
  if (found.size() > kMaxConflicts) found.resize(kMaxConflicts);
  return found;
}

}  // namespace

FieldStamp field_stamp(const LwwRegister<Service>& write, ServiceField field) {
  auto it = write.value.stamps.find(field);
  return it == write.value.stamps.end() ? FieldStamp{write.at, write.dot} : it->second;
}

bool same_field(const Service& a, const Service& b, ServiceField field) {
  switch (field) {
    case ServiceField::kScale: return scale_of(a) == scale_of(b);
    case ServiceField::kTemplate: return template_of(a) == template_of(b);
    case ServiceField::kUpdateConfig: return update_config_of(a) == update_config_of(b);
    case ServiceField::kPlacement: return placement_of(a) == placement_of(b);
    case ServiceField::kPorts: return a.spec.ports == b.spec.ports;
    case ServiceField::kLabels: return a.spec.labels == b.spec.labels;
  }
  return false;
}

std::string field_text(const Service& s, ServiceField field) {
  const ServiceSpec& spec = s.spec;
  switch (field) {
    case ServiceField::kScale:
      return spec.mode == ServiceMode::kGlobal ? "mode=global" : "replicas=" + std::to_string(spec.replicas);
    case ServiceField::kTemplate: return bounded(template_text(s));
    case ServiceField::kUpdateConfig:
      return "update-parallelism=" + std::to_string(spec.update.parallelism) +
             ", update-delay=" + std::to_string(spec.update.delay_ms) + "ms" +
             ", update-failure-action=" + to_string(spec.update.failure_action);
    case ServiceField::kPlacement: {
      std::string out = "constraints=";
      for (std::size_t i = 0; i < spec.constraints.size(); ++i) {
        const auto& c = spec.constraints[i];
        out += (i ? "," : "") + c.label + (c.op == ConstraintOp::kEq ? "==" : "!=") + c.value;
      }
      if (!spec.spread_label.empty()) out += ", spread=" + spec.spread_label;
      if (!spec.partition.is_default())
        out += std::string(", on-partition=") + to_string(spec.partition.on_partition) +
               ", isolation-timeout=" + std::to_string(spec.partition.isolation_timeout_ms) + "ms";
      return bounded(out);
    }
    case ServiceField::kPorts: {
      std::string out = "ports=";
      for (std::size_t i = 0; i < spec.ports.size(); ++i) {
        const auto& p = spec.ports[i];
        out += (i ? "," : "") + std::to_string(p.published) + ":" + std::to_string(p.target) + "/" +
               to_string(p.protocol);
      }
      return bounded(out);
    }
    case ServiceField::kLabels: return bounded(joined_map("labels", spec.labels));
  }
  return "";
}


LwwRegister<Service> resolve_concurrent(const ServiceWrites& live) {
  const LwwRegister<Service>* newest = nullptr;
  for (const auto& [dot, w] : live)
    if (newest == nullptr || w.wins_over(*newest)) newest = &w;
  LwwRegister<Service> out = *newest;
  std::vector<Conflict> found;
  for (ServiceField field : kServiceFields) {
    const LwwRegister<Service>* winner = nullptr;
    FieldStamp best;
    for (const auto& [dot, w] : live) {
      FieldStamp s = field_stamp(w, field);
      if (winner == nullptr || s > best) winner = &w, best = s;
    }
    copy_field(winner->value, out.value, field);
    out.value.stamps[field] = best;
    for (const auto& [dot, w] : live) {
      FieldStamp s = field_stamp(w, field);
      if (s == best || same_field(w.value, winner->value, field) || saw(*winner, s.dot)) continue;
      found.push_back(Conflict{field, field_text(w.value, field), s, field_text(winner->value, field), best,
                               w.value.spec});
    }
  }
  // Tasks run a version: if the sides hold different templates, reach a version none ran.
  std::vector<const Service*> templates;
  std::uint64_t version = 0;
  for (const auto& [dot, w] : live) {
    if (std::none_of(templates.begin(), templates.end(),
                     [&](const Service* t) { return same_field(*t, w.value, ServiceField::kTemplate); }))
      templates.push_back(&w.value);
    version = std::max(version, w.value.version);
  }
  out.value.version = version + (templates.size() - 1);
  out.value.observed = observed_by(live);
  out.value.conflicts = merged_journal(live, std::move(found));
  return out;
}

Service stamp_write(const ServiceWrites* live, const LwwRegister<Service>* visible, Service next) {
  next.stamps.clear();
  next.observed.clear();
  next.conflicts.clear();
  if (visible == nullptr || live == nullptr) return next;
  for (ServiceField field : kServiceFields)
    if (same_field(next, visible->value, field)) next.stamps[field] = field_stamp(*visible, field);
  next.observed = observed_by(*live);
  next.conflicts = visible->value.conflicts;
  return next;
}

}  // namespace shoal::crdt
