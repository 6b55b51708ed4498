// JSON views of the desired state, for `shoal state dump --format json` and the CLI's
// `--format json` output. Deterministic: maps are ordered, so equal states dump equal text.
#pragma once

#include <string>

#include "crdt/desired_state.h"
#include "common/json_writer.h"

namespace shoal::crdt {

// {"name","version","spec":{...},"previous_spec":{...}|null}
void write_service_json(JsonWriter& w, const Service& service);
void write_spec_json(JsonWriter& w, const ServiceSpec& spec);
// {"runner","service","slot","spec_version","state","error","address","since_ms"}
void write_task_json(JsonWriter& w, const NodeId& runner, const TaskStatus& task);

// The whole state, CRDT metadata included (dots, tombstones, seen), for debugging:
// {"seen":{"vv":{node:n},"cloud":[[node,n]]},
//  "services":[{"name","writes":[{"dot","at","value"}],"tombstones":[{"dot","removed_by","at"}]}],
//  "availability":[{"node","value","at","dot"}],
//  "tasks":[{"runner","service","slot","counter","at","status"|null}]}
std::string dump_state_json(const DesiredState& state);

}  // namespace shoal::crdt
