// Field-level merge of concurrent writes of one service (issue 14). A service entry keeps every
// write that no later write had seen (crdt/or_map.h): after a partition heals, one per side.
// Instead of keeping only the newest whole value, the visible service takes each field
// (ServiceField, crdt/service.h) from the write that set that field last, so a `scale` on one
// side and an `update --image` on the other both survive.
//
// Merge rule, per field: each write carries the stamp of the write that set the field (its own,
// or one it kept: Service::stamps); the largest stamp (HLC, then dot) wins. The visible value is
// a deterministic function of the set of live writes, and that set merges as a two-phase set, so
// the laws (commutative, associative, idempotent) hold for the whole state.
//   - a write that leaves a field's value as it was keeps that field's stamp, so a forced
//     update (`service update --force`: a new version, the same template) loses to a concurrent
//     change of the template, whose tasks restart anyway.
//   - version (it names the task template, so tasks restart when it changes): the largest
//     version among the live writes, plus one per extra distinct task template among them (as
//     same_field compares it: what tasks run, not the version). Two sides that each changed the
//     template reach one version neither side's tasks run, so every task rolls to the winner.
//   - name, vip, created_ms: from the newest write (they never change after create).
//   - conflicts: the union of every live write's journal and the writes this merge discards,
//     newest kMaxConflicts kept (a bounded union: still a join).
// A discarded write is a conflict only if the winner had not seen it (Service::observed): a
// field changed on one side after the split simply wins over the unchanged old value.
#pragma once

#include <map>
#include <string>

#include "crdt/dot.h"
#include "crdt/lww_register.h"
#include "crdt/service.h"

namespace shoal::crdt {

using ServiceWrites = std::map<Dot, LwwRegister<Service>>;

// The stamp of `field` in a write: the one it kept, or its own.
FieldStamp field_stamp(const LwwRegister<Service>& write, ServiceField field);
// Equal values of `field`; the template compares what tasks run, not version or previous_spec.
bool same_field(const Service& a, const Service& b, ServiceField field);
// "replicas=5", "version 4: image r/web:2@sha256:0123456789ab, args [-p 80]", ...
std::string field_text(const Service& s, ServiceField field);

// `field` of `from` copied over `into` (the template with the previous spec riding along).
void copy_field(const Service& from, Service& into, ServiceField field);

// The visible service of two or more concurrent writes (see the rule above). Its `at` and `dot`
// are the newest write's; every field's stamp is explicit in `stamps`.
LwwRegister<Service> resolve_concurrent(const ServiceWrites& live);

// The value a new local write stores, `next` being what the user asked for (computed from the
// visible value `visible`; nullptr = no service). Fields equal to the visible ones keep their
// stamps; the others become this write's own. `observed` and the journal carry forward.
Service stamp_write(const ServiceWrites* live, const LwwRegister<Service>* visible, Service next);

}  // namespace shoal::crdt
