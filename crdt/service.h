// The service schema: what a user asks the cluster to run. Plain value types; every field has
// the default Docker swarm uses (where swarm has one) so a spec written with few flags behaves
// the way operators already expect. All types are totally ordered (defaulted <=>) because the
// LWW register breaks an impossible-in-practice stamp tie by value.
#pragma once

#include <compare>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/hlc.h"
#include "common/vocabulary.h"
#include "crdt/dot.h"

namespace shoal::crdt {

enum class Driver : std::uint8_t { kProcess, kOci };
// Shared with placement, runtime and the node core: defined once in common/vocabulary.h.
using shoal::ConstraintOp;
using shoal::FailureAction;
using shoal::OnPartition;
using shoal::ServiceMode;
using shoal::UpdateOrder;
using shoal::to_string;
enum class PortProtocol : std::uint8_t { kTcp, kUdp };
enum class RestartCondition : std::uint8_t { kOnFailure, kAny, kNone };

// What to run. Process: `command args...` with `env`. OCI: the same process inside `rootfs`.
// Image (driver kOci, `image` set, no rootfs): the image's Entrypoint and Cmd, where
// `entrypoint` replaces the Entrypoint and `command args...` the Cmd, as `docker service
// create IMAGE [COMMAND [ARG...]]` does; `env` is added over the image's Env by name.
struct TaskSpec {
  Driver driver = Driver::kProcess;
  std::string command;  // process/rootfs: argv[0]; image: first word of the Cmd override ("" = image's)
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::string rootfs;  // OCI only: path of the root filesystem on every node
  // The image, pinned by the node that accepted the write ("r:5000/web:1@sha256:..."), so every
  // node runs the same bits; a bare tag only with --no-resolve-image. "" = no image.
  std::string image;
  std::vector<std::string> entrypoint;  // --entrypoint: replaces the image's (and drops its Cmd)
  std::string workdir;                  // --workdir: replaces the image's WorkingDir
  std::string user;                     // --user: "uid[:gid]" or names from the image's /etc/passwd

  // Image-only fields are all empty (they are encoded only when one is set).
  bool has_image_fields() const { return !image.empty() || !entrypoint.empty() || !workdir.empty() || !user.empty(); }

  auto operator<=>(const TaskSpec&) const = default;
};

struct Resources {
  std::uint64_t cpu_millis = 0;    // 1000 = one core; 0 = no reservation
  std::uint64_t memory_bytes = 0;  // 0 = no reservation

  auto operator<=>(const Resources&) const = default;
};

// node.labels.<label> == value, or != value.
struct Constraint {
  std::string label;
  ConstraintOp op = ConstraintOp::kEq;
  std::string value;

  auto operator<=>(const Constraint&) const = default;
};

// How a spec change rolls out (and, as `rollback`, how a rollback rolls out).
struct UpdateConfig {
  std::uint32_t parallelism = 1;  // tasks per wave (swarm default 1); 0 = all at once
  std::uint64_t delay_ms = 0;     // pause between waves (swarm default 0)
  std::uint64_t monitor_ms = 5000;  // watch each wave this long for failures (swarm default 5 s)
  FailureAction failure_action = FailureAction::kPause;  // swarm default pause
  double max_failure_ratio = 0.0;  // failures tolerated, 0..1 (swarm default 0); never NaN
  UpdateOrder order = UpdateOrder::kStopFirst;            // swarm default stop-first

  auto operator<=>(const UpdateConfig&) const = default;
};

struct PublishedPort {
  std::uint16_t published = 0;  // port on every node (and the service VIP)
  std::uint16_t target = 0;     // port the task listens on
  PortProtocol protocol = PortProtocol::kTcp;

  auto operator<=>(const PublishedPort&) const = default;
};

// Empty `command` = no health check (a running task counts as healthy). Defaults from Docker.
struct HealthCheck {
  std::string command;  // run with /bin/sh -c inside the task's namespaces
  std::uint64_t interval_ms = 30000;
  std::uint64_t timeout_ms = 30000;
  std::uint32_t retries = 3;
  std::uint64_t start_period_ms = 0;
  // --no-healthcheck: the image's HEALTHCHECK does not apply (a `command` still would).
  bool no_image_check = false;

  auto operator<=>(const HealthCheck&) const = default;
};

struct RestartPolicy {
  RestartCondition condition = RestartCondition::kAny;  // swarm default any
  std::uint64_t delay_ms = 5000;                        // swarm default 5 s
  std::uint32_t max_attempts = 0;                       // 0 = unlimited (swarm default)
  // Swarm's --restart-window: only the restarts of the last window_ms count against
  // max_attempts, so a task that crashes now and then keeps running while a crash loop stops.
  // 0 = no window, every restart counts (swarm default; also what a spec written before this
  // field existed decodes to, crdt/codec.cc).
  std::uint64_t window_ms = 0;

  auto operator<=>(const RestartPolicy&) const = default;
};

// What the service's tasks do when the cluster splits (`--on-partition`, `--isolation-timeout`;
// node/partition_policy.h applies it and states what it guarantees).
struct PartitionPolicy {
  OnPartition on_partition = OnPartition::kDuplicate;
  // kMajority: a node cut off from the majority stops the service's tasks after this long, and
  // the majority re-places the slots of unreachable nodes only after detection + this + a
  // margin (NodeConfig::fence_margin_ms). 10 s: long enough that a short network blip does not
  // stop a singleton, short enough that a failover takes seconds, not minutes.
  std::uint64_t isolation_timeout_ms = 10000;

  bool is_default() const { return *this == PartitionPolicy{}; }
  auto operator<=>(const PartitionPolicy&) const = default;
  bool operator==(const PartitionPolicy&) const = default;
};

struct ServiceSpec {
  TaskSpec task;
  ServiceMode mode = ServiceMode::kReplicated;
  std::uint32_t replicas = 1;  // replicated mode only
  Resources reservations;
  std::vector<Constraint> constraints;
  std::string spread_label;  // spread tasks over values of node.labels.<spread_label>; "" = none
  UpdateConfig update;
  UpdateConfig rollback;
  std::vector<PublishedPort> ports;
  HealthCheck health;
  RestartPolicy restart;
  // --label KEY=VALUE: the service's own labels (Swarm's Spec.Labels), for the people and tools
  // that group services, e.g. com.docker.stack.namespace for a stack. Placement ignores them.
  std::map<std::string, std::string> labels;
  PartitionPolicy partition;

  auto operator<=>(const ServiceSpec&) const = default;
};

// The parts of a service that merge independently (crdt/service_merge.h says how): writes to
// different fields made concurrently (a scale on one side of a partition, an image update on the
// other) both survive a heal. The task template is one field, never half merged: a template
// nobody wrote would run bits nobody asked for.
//   kScale        mode, replicas
//   kTemplate     task, reservations, health, restart (with previous_spec riding along; the
//                 version of concurrent writes merges by its own rule, crdt/service_merge.h)
//   kUpdateConfig update, rollback
//   kPlacement    constraints, spread_label, partition
//   kPorts        ports
//   kLabels       labels
enum class ServiceField : std::uint8_t { kScale, kTemplate, kUpdateConfig, kPlacement, kPorts, kLabels };
inline constexpr ServiceField kServiceFields[] = {ServiceField::kScale,     ServiceField::kTemplate,
                                                  ServiceField::kUpdateConfig, ServiceField::kPlacement,
                                                  ServiceField::kPorts,     ServiceField::kLabels};
inline constexpr std::size_t kServiceFieldCount = std::size(kServiceFields);

// Which write set a field, and when: a field's own LWW stamp (larger `at` wins, then the dot).
struct FieldStamp {
  HlcTimestamp at;
  Dot dot;

  auto operator<=>(const FieldStamp&) const = default;
};

// A concurrent write of one field that lost the merge: kept in the service's journal, so a heal
// that discards a write says so (`shoal service history`). Values are rendered for people
// ("replicas=5"); the stamps say who wrote each (dot.writer) and when.
struct Conflict {
  ServiceField field = ServiceField::kScale;
  std::string lost;
  FieldStamp lost_stamp;  // its dot names the entry: `service rollback NAME --to WRITER:N`
  std::string won;
  FieldStamp won_stamp;
  // The losing write's spec, so `service rollback --to` can write `field` of it back (the other
  // fields of it are not restored). Absent in journals written before it was kept: such an
  // entry cannot be restored.
  std::optional<ServiceSpec> lost_spec;

  auto operator<=>(const Conflict&) const = default;
};
inline constexpr std::size_t kMaxConflicts = 16;  // per service, newest kept: a journal, not a log
inline constexpr std::size_t kMaxConflictTextBytes = 200;
inline constexpr std::size_t kMaxAgreedNodes = 1024;  // far above any cluster shoal is built for

// The value of one service in the desired state (an add-wins map entry per service name, whose
// concurrent writes merge field by field). `version` names the task template: it grows by one
// on every template change; `previous_spec` is the spec before the last change, so rollback is
// an ordinary write of it.
struct Service {
  std::string name;
  ServiceSpec spec;
  std::uint64_t version = 0;
  std::optional<ServiceSpec> previous_spec;
  // The service's virtual IP ("10.96.0.7"; "" = none), chosen by the node that created it and
  // kept by every later write: it is the service's claim in the VIP allocation
  // (loadbalancer/vip_allocator.h), so other services coming and going never move it.
  std::string vip;
  std::uint64_t created_ms = 0;  // creation time: older services win a contested VIP claim
  // Fields this write kept from an earlier write, with that write's stamp; a field not here was
  // set by this write itself (so a service written before fields had stamps reads as one write).
  std::map<ServiceField, FieldStamp> stamps;
  // The writes of this service this write had seen (writer -> its newest counter seen), not
  // counting itself: it tells a field written concurrently from one written before.
  VersionVector observed;
  std::vector<Conflict> conflicts;  // newest lost write first, at most kMaxConflicts
  // The nodes the cluster agreed on last (a whole, settled view; node/partition_policy.h): a
  // kMajority service runs only on a side that sees a strict majority of them. Sorted, unique;
  // empty = not recorded yet (the members this node knows count instead). Not a merged field:
  // the newest write's set is the service's, and the node that records it rewrites it until
  // the views agree.
  std::vector<std::string> agreed_nodes;

  auto operator<=>(const Service&) const = default;
};

const char* to_string(Driver v);
const char* to_string(PortProtocol v);
const char* to_string(RestartCondition v);
const char* to_string(ServiceField v);

}  // namespace shoal::crdt
