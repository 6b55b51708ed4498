// The table behind `--help`, completion and the man page (cli/command_help.h). Flag names match
// what the agent parses (tests/cli/command_help_test.cc and the integration test `cli-help`
// check both directions); defaults match the code's (crdt/service.h, agent/agent_config.h).
#include "cli/command_help.h"

namespace shoal::cli {

namespace {

std::vector<FlagHelp> format_flag() { return {{"--format", "json", "", "print JSON instead of a table"}}; }
std::vector<FlagHelp> json_only() { return {{"--format", "json", "json", "the one format: inspect answers JSON"}}; }

// --update-* and --rollback-*: the same six knobs for the two directions of a rolling change.
std::vector<FlagHelp> rollout_flags(const std::string& prefix, const std::string& what) {
  std::string actions = prefix == "--update" ? "pause|continue|rollback" : "pause|continue";
  return {
      {prefix + "-parallelism", "N", "1", what + ": tasks changed at once (0 = all)"},
      {prefix + "-delay", "DURATION", "0s", what + ": wait between waves"},
      {prefix + "-monitor", "DURATION", "5s", what + ": watch each wave this long for failures"},
      {prefix + "-failure-action", actions, "pause", what + ": what a failed wave does"},
      {prefix + "-max-failure-ratio", "RATIO", "0", what + ": failures tolerated, 0 to 1"},
      {prefix + "-order", "stop-first|start-first", "stop-first", what + ": stop the old task first, or start the new"},
  };
}

std::vector<FlagHelp> service_spec_flags(bool creating) {
  std::vector<FlagHelp> f = {
      {"--name", "NAME", "", "service name (or the first positional of `service update`)"},
      {"--replicas", "N", "1", "replicated mode: number of tasks"},
      {"--mode", "replicated|global", "replicated", "global runs one task on every node (create only)"},
      {"--image", "IMAGE", "", "the image to run (update: change it; create: instead of the positional)"},
      {"--cpu", "CPUS", "", "CPUs each task reserves and is limited to (e.g. 0.5)"},
      {"--memory", "SIZE", "", "memory each task reserves and is limited to (e.g. 256MiB)"},
      {"--constraint", "node.labels.K==V", "", "place only on nodes matching (repeatable; != too)"},
      {"--spread", "node.labels.K", "", "spread tasks evenly over the values of a node label"},
      {"--on-partition", "duplicate|majority|pinned", "duplicate",
       "in a partition: every side runs it; only a majority side does; slots stay on their node"},
      {"--isolation-timeout", "DURATION", "10s", "majority: a cut-off node stops the tasks after this long"},
      {"--publish", "PUBLISHED:TARGET[/tcp|/udp]", "", "publish a port on every node (routing mesh; repeatable)"},
      {"--env", "KEY=VALUE", "", "environment variable of the task (repeatable)"},
      {"--label", "KEY=VALUE", "", "a label of the service (repeatable; create only)"},
      {"--label-add", "KEY=VALUE", "", "add or change a label of the service (repeatable; update only)"},
      {"--label-rm", "KEY", "", "remove a label of the service (repeatable; update only)"},
      {"--entrypoint", "CMD", "", "override the image's entrypoint"},
      {"--workdir", "DIR", "", "working directory inside the task"},
      {"--user", "UID[:GID]", "", "user the task runs as"},
      {"--rootfs", "DIR", "", "run in this pre-placed root filesystem instead of an image"},
      {"--health-cmd", "CMD", "", "health check, run with /bin/sh -c inside the task"},
      {"--health-interval", "DURATION", "30s", "time between health checks"},
      {"--health-timeout", "DURATION", "30s", "a check running longer fails"},
      {"--health-retries", "N", "3", "consecutive failures that make a task unhealthy"},
      {"--health-start-period", "DURATION", "0s", "failures in this first period do not count"},
      {"--no-healthcheck", "", "", "ignore the image's HEALTHCHECK"},
      {"--restart-condition", "any|on-failure|none", "any", "when a task that exited is restarted"},
      {"--restart-delay", "DURATION", "5s", "wait before a restart"},
      {"--restart-max-attempts", "N", "0", "restarts before giving up (0 = unlimited)"},
      {"--restart-window", "DURATION", "0s", "window the attempts are counted in (0 = forever)"},
      {"--no-resolve-image", "", "", "keep the tag; do not pin the image to its digest"},
      {"--detach", "", "", "answer at once; do not wait for the tasks to converge"},
      {"--format", "json", "", "accepted for docker compatibility; the answer is one line of text"},
  };
  for (auto& r : rollout_flags("--update", "update")) f.push_back(std::move(r));
  for (auto& r : rollout_flags("--rollback", "rollback")) f.push_back(std::move(r));
  if (!creating) {
    f[0].text = "not used by update: name the service as the positional SERVICE";
    for (auto& flag : f) flag.fallback.clear();  // update changes what it names; nothing defaults
  }
  return f;
}

std::vector<CommandHelp> make_table() {
  return {
      {"agent",
       "--name NAME --bind IP:PORT [OPTIONS]",
       "run the shoal agent (the node) in the foreground",
       {
           {"--config", "FILE", "", "read flags from a YAML file (keys: flag names); flags given override it"},
           {"--check-config", "", "", "check the flags and config file, print the result, start nothing"},
           {"--name", "NAME", "", "this node's name, unique in the cluster"},
           {"--bind", "IP:PORT", "", "gossip address (UDP and TCP)"},
           {"--advertise", "IP:PORT", "the --bind address", "address peers use to reach this node"},
           {"--join", "IP:PORT", "", "a node of the cluster to join (repeatable)"},
           {"--key-file", "FILE", "", "the cluster key (base64, from `shoal keygen`); or set $SHOAL_KEY"},
           {"--keyring", "FILE", "", "several keys, one per line, the first one used to send"},
           {"--key", "BASE64", "", "the key itself (visible in `ps`: prefer --key-file)"},
           {"--label", "KEY=VALUE", "", "node label for constraints and spread (repeatable)"},
           {"--cpu", "CPUS", "all CPUs", "CPUs this node offers to tasks"},
           {"--memory", "SIZE", "all memory", "memory this node offers to tasks"},
           {"--profile", "lan|wan|local", "lan", "gossip timings for the network"},
           {"--api", "ADDR", "/run/shoal/agent.sock", "API socket path, or IP:PORT (needs --api-token-file)"},
           {"--api-token-file", "FILE", "", "token TCP clients must send"},
           {"--data-dir", "DIR", "/var/lib/shoal/NAME", "state, logs and images"},
           {"--require-isolation", "", "", "refuse to run tasks without namespaces and cgroups"},
           {"--network", "host|overlay", "host", "overlay: VXLAN mesh, VIPs and routing mesh (root)"},
           {"--lb", "auto|ipvs|nftables", "auto", "VIP load balancer (overlay only)"},
           {"--log-format", "text|json", "text", "the agent's own log on stderr: text, or one JSON object a line"},
           {"--log-level", "debug|info|warn|error", "info", "the least important events the agent logs"},
           {"--log-max-size", "SIZE", "10MiB", "task log file size before it rotates"},
           {"--log-max-files", "N", "3", "task log files kept per stream"},
           {"--registry-mirror", "HOST[:PORT]", "", "registry for image names without one (without it they are refused)"},
           {"--registry-auth-file", "FILE", "", "registry credentials (docker config.json format)"},
           {"--insecure-registry", "HOST[:PORT]", "", "registry whose TLS is not verified, or plain HTTP (repeatable)"},
           {"--metrics-addr", "IP:PORT", "off", "serve Prometheus metrics at /metrics (off loopback: needs --api-token-file)"},
           {"--docker-api", "unix:///PATH|tcp://IP:PORT", "", "serve the Docker Engine API (docs/docker-api.md)"},
       },
       "shoal agent --name n1 --bind 127.0.0.1:7946 --key-file /etc/shoal/key"},
      {"agent info", "[OPTIONS]", "this agent's counters and dropped packets by reason", format_flag(),
       "shoal agent info --format json"},
      {"members",
       "[OPTIONS]",
       "the members this node sees, with status and clock offset",
       {{"--status", "alive|suspect|failed|left", "", "only members with this status"},
        {"--stats", "", "", "print this agent's counters instead (as `agent info`)"},
        {"--format", "json", "", "print JSON instead of a table"}},
       "shoal members --status alive"},
      {"events",
       "[OPTIONS]",
       "what this node saw happen (members, nodes, services, tasks); follows until --until",
       {{"--since", "TIME", "", "from this time: Unix seconds, RFC 3339, or a duration ago (10m)"},
        {"--until", "TIME", "", "up to this time, then stop (no --until: keep following)"},
        {"--filter", "type=T|name=N", "", "only member|node|service|task events, or of one name (repeatable)"},
        {"--format", "json", "", "print one JSON object per line"}},
       "shoal events --since 1h --filter type=service --until 0s"},
      {"keygen", "", "print a new base64 cluster key (offline)", {}, "shoal keygen > key; chmod 600 key"},
      {"keys list", "[OPTIONS]", "the cluster keys this agent holds", format_flag(), "shoal keys list"},
      {"keys install", "KEY", "add a key to every node's keyring (not used to send yet)", {},
       "shoal keys install \"$(shoal keygen)\""},
      {"keys use", "KEY", "send with this installed key from now on", {}, "shoal keys use KEY"},
      {"keys remove", "KEY", "remove a key that is no longer used", {}, "shoal keys remove KEY"},
      {"service create", "[OPTIONS] IMAGE [COMMAND [ARG...]]  (or [OPTIONS] -- COMMAND [ARG...])",
       "create a service; waits until its tasks run unless --detach", service_spec_flags(true),
       "shoal service create --name web --replicas 3 --publish 8080:80 nginx:alpine", true},
      {"service update", "[OPTIONS] SERVICE", "change a service; a rolling update when its tasks change",
       service_spec_flags(false), "shoal service update --image nginx:1.27 --update-parallelism 2 web"},
      {"service scale",
       "SERVICE=N...",
       "set the number of replicas",
       {{"--detach", "", "", "answer at once; do not wait for the tasks to converge"},
        {"--format", "json", "", "accepted for docker compatibility; the answer is one line of text"}},
       "shoal service scale web=5"},
      {"service rollback",
       "[--to WRITER:N] SERVICE",
       "go back to the service's previous spec, or write back a value a merge discarded",
       {{"--to", "WRITER:N", "", "a journal entry of `service history`: its field as that write had it"},
        {"--detach", "", "", "answer at once; do not wait for the tasks to converge"},
        {"--format", "json", "", "accepted for docker compatibility; the answer is one line of text"}},
       "shoal service rollback web"},
      {"service ls",
       "[OPTIONS]",
       "services with replicas running/desired and image",
       {{"--filter", "label=K[=V]|name=PREFIX", "", "only matching services (repeatable: all must match)"},
        {"--format", "json", "", "print JSON instead of a table"}},
       "shoal service ls --filter label=com.docker.stack.namespace=shop"},
      {"service inspect", "[OPTIONS] SERVICE...", "a service's full spec and update state, as JSON", json_only(),
       "shoal service inspect web --format json"},
      {"service history", "[OPTIONS] SERVICE",
       "which node set each field of the spec and when, and the concurrent writes a merge discarded",
       format_flag(), "shoal service history web"},
      {"service ps", "[OPTIONS] SERVICE", "the service's tasks: where each slot runs and its state", format_flag(),
       "shoal service ps web"},
      {"service rm", "SERVICE...", "remove services; their tasks stop", {}, "shoal service rm web"},
      {"service logs",
       "[OPTIONS] SERVICE",
       "the service's task logs from every node, merged by time, prefixed by task",
       {{"--tail", "N", "all", "only the last N lines of each task's stdout and stderr"},
        {"--since", "TIME", "", "lines written since TIME (RFC 3339, Unix seconds, or a duration before now: 10m)"},
        {"--until", "TIME", "", "lines written before TIME (same forms)"},
        {"--timestamps", "", "", "show each line's time (when the task wrote it, by its node's clock)"},
        {"--follow", "", "", "keep printing new lines until interrupted"}},
       "shoal service logs --since 10m --timestamps --follow web"},
      {"node ls", "[OPTIONS]", "nodes with status, availability, tasks and resources", format_flag(), "shoal node ls"},
      {"node update",
       "--availability active|pause|drain NODE",
       "pause: no new tasks; drain: move its tasks away",
       {{"--availability", "active|pause|drain", "", "the node's new availability"}},
       "shoal node update --availability drain n2"},
      {"image pull", "REF", "download an image into this node's store", {}, "shoal image pull busybox:latest"},
      {"image load", "FILE", "load an image from a docker-save or OCI archive (no registry needed)", {},
       "shoal image load busybox.tar"},
      {"image ls", "[OPTIONS]", "images in this node's store", format_flag(), "shoal image ls"},
      {"image inspect", "[OPTIONS] REF", "an image's digest, layers and config, as JSON", json_only(),
       "shoal image inspect busybox:latest"},
      {"image rm", "REF...", "remove images no task uses", {}, "shoal image rm busybox:latest"},
      {"image prune", "", "remove every image no task uses and unreferenced layers", {}, "shoal image prune"},
      {"stack deploy",
       "-c FILE [OPTIONS] STACK",
       "create or update a stack's services from a compose file (services named STACK-SERVICE)",
       {{"--compose-file", "FILE", "", "the compose file (also -c); a .env beside it sets variables"},
        {"--prune", "", "", "remove the stack's services the file no longer names"},
        {"--resolve-image", "always|never", "always", "pin each image to its digest, or keep the tags"}},
       "shoal stack deploy -c compose.yaml shop"},
      {"stack ls", "[OPTIONS]", "stacks and how many services each has", format_flag(), "shoal stack ls"},
      {"stack services", "[OPTIONS] STACK", "the services of a stack, as service ls", format_flag(),
       "shoal stack services shop"},
      {"stack rm", "STACK...", "remove a stack's services", {}, "shoal stack rm shop"},
      {"state dump", "--format json", "this node's desired state (the CRDT), as JSON", format_flag(),
       "shoal state dump --format json"},
      {"sim",
       "[OPTIONS]",
       "simulate whole nodes under faults from one seed (offline)",
       {{"--seed", "N", "1", "the seed: the same seed replays the same run"},
        {"--seeds", "K", "1", "run K seeds from --seed on"},
        {"--nodes", "N|MIN-MAX", "4-7", "cluster size, or a range drawn per seed (2 to 64)"},
        {"--chaos-ms", "MS", "40000", "simulated time with faults before the network heals"}},
       "shoal sim --seed 7 --seeds 100 --nodes 3-7"},
      {"completion", "bash", "print the bash completion script (offline)", {},
       "shoal completion bash > /etc/bash_completion.d/shoal"},
      {"help",
       "[COMMAND...]",
       "help for a command (offline); same as COMMAND --help",
       {{"--man", "", "", "print the man page shoal(1) instead"}},
       "shoal help service create"},
  };
}

}  // namespace

const std::vector<CommandHelp>& command_help() {
  static const std::vector<CommandHelp> table = make_table();
  return table;
}

}  // namespace shoal::cli
