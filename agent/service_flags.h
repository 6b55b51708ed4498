// `shoal service create|update` flags -> crdt::ServiceSpec. Pure: the same flags over the same
// base spec give the same spec. `update` starts from the current spec and changes only what
// the flags name, as `docker service update` does.
#pragma once

#include <string>
#include <vector>

#include "agent/flags.h"
#include "common/result.h"
#include "crdt/service.h"

namespace shoal {

// Flags accepted by `service create` and `service update` (values and switches).
FlagSpec service_flag_spec();

// Applies parsed flags onto `base`. For create, pass a default ServiceSpec.
// Errors name the flag and the bad value ("--update-delay: '2 days' is not a duration ...").
Result<crdt::ServiceSpec> apply_service_flags(crdt::ServiceSpec base, const ParsedFlags& flags,
                                              bool creating);

}  // namespace shoal
