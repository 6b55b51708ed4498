// `shoal agent` flags, parsed into one value. Defaults live here, documented.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/result.h"
#include "runtime/log_rotation.h"

namespace shoal {

// Where the CLI finds its agent when neither --api nor SHOAL_API is given.
inline constexpr const char* kDefaultApiAddress = "/run/shoal/agent.sock";

struct AgentConfig {
  std::string name;                    // --name (required): unique node name
  std::string bind;                    // --bind IP:PORT (required): UDP+TCP gossip address
  std::string advertise;               // --advertise IP:PORT: what peers dial; default = bind
  std::vector<std::string> joins;      // --join IP:PORT, repeatable; retried with backoff
  // The cluster key comes from exactly one of: --key-file FILE (recommended: one base64 key,
  // the file readable by the agent's user only), $SHOAL_KEY (recommended for service managers),
  // --keyring FILE, or --key B64 (discouraged: argv is readable by every local user in `ps`;
  // the CLI overwrites it in its own argv at start, which only shortens that window).
  std::string key_b64;                 // --key B64, $SHOAL_KEY, or --key-file's content
  std::string key_file;                // --key-file FILE: read by the CLI into key_b64
  std::string keyring_file;            // --keyring FILE: one key per line, first primary
  std::map<std::string, std::string> labels;  // --label k=v
  std::uint64_t cpu_millis = 0;        // --cpu N (0: detect the host's CPU count)
  std::uint64_t memory_bytes = 0;      // --memory SIZE (0: detect MemTotal)
  std::string profile = "lan";         // --profile lan|wan|local
  // --log-format text|json, --log-level debug|info|warn|error: the agent's own log on stderr
  // (common/log.h). Text reads well on a terminal and in journald; JSON feeds a log shipper.
  LogFormat log_format = LogFormat::kText;
  LogLevel log_level = LogLevel::kInfo;
  std::string api = kDefaultApiAddress;  // --api: unix socket path or 127.0.0.1:PORT
  std::string api_token_file;          // --api-token-file: required when --api is TCP
  std::string data_dir;                // --data-dir: state file, incarnation (default /var/lib/shoal/NAME)
  bool require_isolation = false;      // --require-isolation: refuse to run tasks without namespaces+cgroups
  // --network host|overlay. host (default, as Nomad's default network mode): tasks share the
  // node's network, nothing is programmed, several agents can share one host (the loopback demo).
  // overlay: the dataplane (VXLAN mesh, a namespace and address per task, service VIPs, DNS,
  // routing mesh); needs root and one agent per network namespace.
  std::string network = "host";
  std::string lb = "auto";             // --lb auto|ipvs|nftables (overlay only): auto = IPVS if the kernel has it
  // --log-max-size SIZE (default 10MiB) and --log-max-files N (default 3): each task's stdout
  // and stderr are rotated at the size and N files are kept, so a task uses at most
  // 2 * N * SIZE of disk (60 MiB by default). Defaults and why: runtime/log_rotation.h.
  runtime::LogLimits log_limits;
  // Images (issue 12). --registry-mirror HOST[:PORT]: the registry of image names that carry
  // none (`busybox:1` -> HOST/busybox:1). Default none: an edge site cannot assume docker.io is
  // reachable, so such names are refused with a hint until one is configured.
  std::string registry_mirror;
  // --registry-auth-file FILE: registry credentials in Docker's config.json `auths` format.
  // Default none: anonymous pulls. Read at start; a malformed file stops the agent.
  std::string registry_auth_file;
  // --insecure-registry HOST[:PORT], repeatable: for that registry try HTTPS without verifying
  // the certificate, then plain HTTP (Docker's insecure-registries). Default none: HTTPS, verified.
  std::vector<std::string> insecure_registries;
  // --metrics-addr IP:PORT: serve Prometheus metrics at http://IP:PORT/metrics (agent/metrics_server.h).
  // Default off: an agent opens no port the operator did not ask for. A loopback address needs no
  // token; any other needs --api-token-file (scrapers send `Authorization: Bearer TOKEN`).
  std::string metrics_addr;
  // --docker-api unix:///PATH | tcp://IP:PORT: also serve the Docker Engine API subset
  // (docs/docker-api.md) so the docker CLI and SDKs can drive this node. Default off: an extra
  // listening socket is opt-in. TCP needs --api-token-file (bearer token on every request).
  std::string docker_api;
};

// `env_key`: the value of $SHOAL_KEY ("" when unset), used when no key flag is given.
Result<AgentConfig> parse_agent_args(const std::vector<std::string>& args, const std::string& env_key = "");

// "IP:PORT" -> (ip, port), with a message naming the flag on error.
Result<std::pair<std::string, std::uint16_t>> split_host_port(const std::string& text, const char* flag);

// True when an --api address is TCP (host:port) rather than a unix socket path.
bool api_is_tcp(const std::string& api);

}  // namespace shoal
