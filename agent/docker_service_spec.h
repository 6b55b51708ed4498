// Docker Engine API ServiceSpec JSON <-> shoal's crdt::ServiceSpec (docs/docker-api.md has the
// field-by-field table). Pure: no I/O, no agent state.
//
// The rule is "never silent loss": every field of the JSON is either carried into shoal's spec,
// or is at its zero/default value (what a Go client sends for a flag the user did not give), or
// the whole spec is refused with a 400 naming the field. Rendering writes every field shoal
// holds, so from_docker(to_docker(spec)) == spec for every valid spec (tested as a property).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"
#include "crdt/service.h"

namespace shoal {

// Image references that stand for shoal's non-image drivers. `.invalid` is reserved (RFC 2606)
// and can never name a registry, so these cannot shadow a real image.
// process: run Command/Args as a host process (shoal's process driver).
inline constexpr const char* kProcessImage = "shoal.invalid/process";
// rootfs: run it inside the root filesystem named by the container label kRootfsLabel.
inline constexpr const char* kRootfsImage = "shoal.invalid/rootfs";
inline constexpr const char* kRootfsLabel = "io.shoal.rootfs";

struct DockerServiceSpec {
  std::string name;
  crdt::ServiceSpec spec;
  // A real image reference (neither of the pseudo images above): the route pins it before the
  // write. "" when the spec uses a shoal driver.
  std::string image;
  std::uint64_t force_update = 0;  // TaskTemplate.ForceUpdate: accepted, not stored (see docs)
};

// The message names the field, e.g. "ServiceSpec field TaskTemplate.ContainerSpec.Mounts is
// not supported by shoal". Every error is a 400.
Result<DockerServiceSpec> service_spec_from_docker(const nlohmann::json& body);

// The ServiceSpec object of `docker service inspect` for a service named `name`.
nlohmann::json service_spec_to_docker(const std::string& name, const crdt::ServiceSpec& spec);

// Durations on the Engine API are int64 nanoseconds.
inline std::int64_t ms_to_ns(std::uint64_t ms) { return static_cast<std::int64_t>(ms) * 1'000'000; }

}  // namespace shoal
