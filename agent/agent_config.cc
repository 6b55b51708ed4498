#include "agent/agent_config.h"

#include <charconv>

#include "agent/docker_request.h"
#include "common/units.h"
#include "image/reference.h"

namespace shoal {

Result<std::pair<std::string, std::uint16_t>> split_host_port(const std::string& text, const char* flag) {
  auto colon = text.rfind(':');
  auto bad = [&] {
    return make_error(std::string(flag) + ": '" + text + "' is not IP:PORT (e.g. 127.0.0.1:7946)");
  };
  if (colon == std::string::npos || colon == 0) return bad();
  unsigned port = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || ptr != last || port == 0 || port > 65535) return bad();
  return std::make_pair(text.substr(0, colon), static_cast<std::uint16_t>(port));
}

bool api_is_tcp(const std::string& api) { return !api.empty() && api[0] != '/' && api[0] != '.'; }

Result<AgentConfig> parse_agent_args(const std::vector<std::string>& args, const std::string& env_key) {
  AgentConfig c;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--require-isolation") {
      c.require_isolation = true;
      continue;
    }
    auto need = [&]() -> Result<std::string> {
      if (i + 1 >= args.size()) return make_error(flag + " needs a value");
      return args[++i];
    };
    auto v = need();
    if (!v) return v.error();
    const std::string& val = *v;
    if (flag == "--name") c.name = val;
    else if (flag == "--bind") c.bind = val;
    else if (flag == "--advertise") c.advertise = val;
    else if (flag == "--join") c.joins.push_back(val);
    else if (flag == "--key") c.key_b64 = val;
    else if (flag == "--keyring") c.keyring_file = val;
    else if (flag == "--key-file") c.key_file = val;
    else if (flag == "--profile") c.profile = val;
    else if (flag == "--api") c.api = val;
    else if (flag == "--api-token-file") c.api_token_file = val;
    else if (flag == "--data-dir") c.data_dir = val;
    else if (flag == "--network") c.network = val;
    else if (flag == "--lb") c.lb = val;
    else if (flag == "--registry-mirror") c.registry_mirror = val;
    else if (flag == "--registry-auth-file") c.registry_auth_file = val;
    else if (flag == "--docker-api") c.docker_api = val;
    else if (flag == "--insecure-registry") c.insecure_registries.push_back(val);
    else if (flag == "--metrics-addr") c.metrics_addr = val;
    else if (flag == "--log-format") {
      auto f = parse_log_format(val);
      if (!f) return make_error("--log-format: '" + val + "' is not text or json");
      c.log_format = *f;
    } else if (flag == "--log-level") {
      auto l = parse_log_level(val);
      if (!l) return make_error("--log-level: '" + val + "' is not debug, info, warn or error");
      c.log_level = *l;
    }
    else if (flag == "--label") {
      auto eq = val.find('=');
      if (eq == std::string::npos || eq == 0)
        return make_error("--label: '" + val + "' is not key=value (e.g. zone=a)");
      c.labels[val.substr(0, eq)] = val.substr(eq + 1);
    } else if (flag == "--cpu") {
      auto cpu = parse_cpu_millis(val);
      if (!cpu) return make_error("--cpu: " + cpu.message());
      c.cpu_millis = *cpu;
    } else if (flag == "--log-max-size") {
      auto size = parse_size_bytes(val);
      if (!size) return make_error("--log-max-size: " + size.message());
      c.log_limits.max_bytes = *size;
    } else if (flag == "--log-max-files") {
      auto [p, ec] = std::from_chars(val.data(), val.data() + val.size(), c.log_limits.max_files);
      if (ec != std::errc() || p != val.data() + val.size())
        return make_error("--log-max-files: '" + val + "' is not a whole number from 1 to 100");
    } else if (flag == "--memory") {
      auto mem = parse_size_bytes(val);
      if (!mem) return make_error("--memory: " + mem.message());
      c.memory_bytes = *mem;
    } else {
      --i;
      return make_error("unknown flag '" + flag + "' for `shoal agent`");
    }
  }
  if (c.name.empty()) return make_error("`shoal agent` needs --name NAME");
  if (c.bind.empty()) return make_error("`shoal agent` needs --bind IP:PORT");
  if (auto b = split_host_port(c.bind, "--bind"); !b) return b.error();
  if (c.advertise.empty()) c.advertise = c.bind;
  if (auto a = split_host_port(c.advertise, "--advertise"); !a) return a.error();
  for (const auto& j : c.joins)
    if (auto r = split_host_port(j, "--join"); !r) return r.error();
  if (c.profile != "lan" && c.profile != "wan" && c.profile != "local")
    return make_error("--profile: '" + c.profile + "' is not one of lan, wan, local");
  if (c.network != "host" && c.network != "overlay")
    return make_error("--network: '" + c.network + "' is not host or overlay");
  if (c.lb != "auto" && c.lb != "ipvs" && c.lb != "nftables")
    return make_error("--lb: '" + c.lb + "' is not auto, ipvs or nftables");
  const int key_sources = !c.key_b64.empty() + !c.key_file.empty() + !c.keyring_file.empty();
  if (key_sources > 1) return make_error("give one of --key-file, --keyring or --key, not several");
  if (key_sources == 0) c.key_b64 = env_key;
  if (key_sources == 0 && env_key.empty())
    return make_error("`shoal agent` needs the cluster key: --key-file FILE or $SHOAL_KEY (or --keyring FILE); "
                      "make one with `shoal keygen > FILE; chmod 600 FILE`");
  if (api_is_tcp(c.api)) {
    if (auto a = split_host_port(c.api, "--api"); !a) return a.error();
    if (c.api_token_file.empty())
      return make_error("--api " + c.api + " is a TCP address: it needs --api-token-file FILE");
  }
  if (!c.metrics_addr.empty())
    if (auto m = split_host_port(c.metrics_addr, "--metrics-addr"); !m) return m.error();
  if (!c.docker_api.empty()) {
    auto d = parse_docker_api_address(c.docker_api);
    if (!d) return d.error();
    if (d->tcp && c.api_token_file.empty())
      return make_error("--docker-api " + c.docker_api + " is a TCP address: it needs --api-token-file FILE");
  }
  if (auto l = runtime::validate(c.log_limits); !l) return make_error("--log-max-size/--log-max-files: " + l.message());
  if (!c.registry_mirror.empty())
    if (auto r = image::validate_registry(c.registry_mirror); !r) return make_error("--registry-mirror: " + r.message());
  for (const auto& r : c.insecure_registries)
    if (auto v = image::validate_registry(r); !v) return make_error("--insecure-registry: " + v.message());
  if (c.data_dir.empty()) c.data_dir = "/var/lib/shoal/" + c.name;
  return c;
}

}  // namespace shoal
