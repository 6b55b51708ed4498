// msgpack layout of every crdt type (positional arrays), shared by the codec (crdt/codec.h)
// and the digest's per-item hashes. Internal to crdt/.
#pragma once

#include <msgpack.hpp>

#include "crdt/desired_state.h"

namespace shoal::crdt::wire {

using Packer = msgpack::packer<msgpack::sbuffer>;

void pack_state(Packer& pk, const DesiredState& state);
void pack_context(Packer& pk, const CausalContext& cc);
void pack_service_item(Packer& pk, const std::string& name, const OrMapEntry<Service>& entry);
void pack_availability_item(Packer& pk, const NodeId& node, const LwwRegister<Availability>& reg);
void pack_task_item(Packer& pk, const TaskKey& key, const WriterEntry<TaskStatus>& entry);

}  // namespace shoal::crdt::wire
