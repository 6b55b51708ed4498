// Pure helpers that compute the next Service value for each user command, given the current
// one (nullptr = no such service). The caller writes the result as one LWW register.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "crdt/service.h"

namespace shoal::crdt {

// Bounds on what one spec may hold: keep a service well inside one TCP frame and give users a
// clear error instead of an oversized state.
inline constexpr std::size_t kMaxServiceNameBytes = 63;  // a DNS label
inline constexpr std::uint32_t kMaxReplicas = 100000;
inline constexpr std::size_t kMaxSpecListItems = 256;    // args, env, constraints, ports
inline constexpr std::size_t kMaxSpecStringBytes = 4096;

// Names are DNS labels: 1..63 of [a-z0-9-], not starting or ending with '-'.
Status validate_service_name(std::string_view name);
Status validate_spec(const ServiceSpec& spec);

// "service web already exists" if current != nullptr. Version 1, no previous spec.
Result<Service> create_service(const Service* current, const std::string& name, ServiceSpec spec);
// "no service named web"; global services cannot be scaled. Keeps version and previous spec:
// the task template is unchanged, so running tasks are not restarted.
Result<Service> scale_service(const Service* current, const std::string& name,
                              std::uint32_t replicas);
// New spec; version + 1, previous = the current spec. An identical spec is still a new version
// (an explicit `update` forces a rolling restart, as in swarm's --force).
Result<Service> update_service(const Service* current, const std::string& name, ServiceSpec spec);
// Writes back the previous spec (version + 1) and keeps the current one as previous, so a
// second rollback undoes the first.
Result<Service> rollback_service(const Service* current, const std::string& name);
// Writes back the value a merge discarded: the field of journal entry `entry` (the lost write's
// dot, Conflict::lost_stamp) as that write had it, over the current spec (version + 1).
Result<Service> restore_conflict(const Service* current, const std::string& name, const Dot& entry);

}  // namespace shoal::crdt
