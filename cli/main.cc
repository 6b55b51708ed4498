// `shoal`: the one binary. `shoal agent ...` runs the daemon; `shoal keygen` is local; every other
// command is forwarded to the local agent over the API (--api ADDR or $SHOAL_API), which parses
// the flags and renders the answer, so the rules for flags and output live in one place.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/agent_config.h"
#include "cli/agent_secrets.h"
#include "cli/api_client.h"
#include "cli/wait.h"
#include "common/keyring.h"
#include "sim/sim_command.h"

namespace {

constexpr const char* kUsage = R"(usage: shoal COMMAND [ARGS] [--api ADDR]

  agent --name NAME --bind IP:PORT [--join IP:PORT]... --key-file FILE|--keyring FILE
        (or the key in $SHOAL_KEY; --key B64 works but shows the key in `ps`)
        [--advertise IP:PORT] [--label k=v]... [--cpu N] [--memory SIZE]
        [--profile lan|wan|local] [--api ADDR] [--api-token-file FILE] [--data-dir DIR]
        [--require-isolation] [--network host|overlay] [--lb auto|ipvs|nftables]
        [--log-max-size SIZE (10MiB)] [--log-max-files N (3)]   per task stream
        [--registry-mirror HOST[:PORT]] [--registry-auth-file FILE]
        [--insecure-registry HOST[:PORT]]...
        [--metrics-addr IP:PORT]   Prometheus /metrics (off; off loopback needs --api-token-file)
        [--docker-api unix:///PATH|tcp://IP:PORT]   Docker Engine API (docs/docker-api.md)
  agent info                       counters, dropped packets by reason
  members [--status alive|suspect|failed|left] [--format json] [--stats]
  keygen                           print a new base64 cluster key
  keys list|install KEY|use KEY|remove KEY
  service create --name N [flags] IMAGE [COMMAND [ARG...]]   (or [flags] -- CMD ARGS for a host process)
  service ls|inspect|ps|scale|update|rollback|rm ...
  service logs NAME [--tail N] [--follow]
  image pull REF | ls [--format json] | inspect REF | rm REF... | prune | load FILE
  node ls | node update --availability active|pause|drain NODE
  state dump --format json
  sim [--seed N] [--seeds K] [--nodes N|MIN-MAX] [--chaos-ms MS]
                                   simulate whole nodes under faults (no agent needed)

The agent is found at --api ADDR, else $SHOAL_API, else /run/shoal/agent.sock.
A TCP --api needs the token in $SHOAL_TOKEN.
)";

// `service logs NAME --follow`: poll the agent and print lines not printed yet, per task,
// until interrupted (or the service is removed).
int follow_logs(const std::string& api, std::vector<std::string> argv) {
  argv.erase(std::remove(argv.begin(), argv.end(), "--follow"), argv.end());
  const char* token = std::getenv("SHOAL_TOKEN");
  std::map<std::string, std::size_t> printed;  // task prefix -> lines printed
  for (;;) {
    auto resp = shoal::call_agent(api, {token ? token : "", argv});
    if (!resp) {
      std::fprintf(stderr, "shoal: %s\n", resp.message().c_str());
      return 1;
    }
    if (resp->exit_code != 0) {
      std::fputs(resp->err.c_str(), stderr);
      return resp->exit_code;
    }
    std::map<std::string, std::size_t> seen;
    std::size_t start = 0;
    const std::string& out = resp->out;
    while (start < out.size()) {
      std::size_t end = out.find('\n', start);
      if (end == std::string::npos) end = out.size();
      std::string line = out.substr(start, end - start);
      std::string task = line.substr(0, line.find(" | "));
      if (++seen[task] > printed[task]) std::printf("%s\n", line.c_str());
      start = end + 1;
    }
    for (const auto& [task, n] : seen) printed[task] = std::max(printed[task], n);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

// `image pull` and `image load` answer when the image is stored, which can take as long as the
// download: an hour bounds a multi-GiB pull on a slow edge link (the agent's transfer has its
// own stall timeout). Every other command answers within the default 10 s.
constexpr unsigned kImageTransferTimeoutMs = 3'600'000;

bool is_image_transfer(const std::vector<std::string>& argv) {
  return argv.size() >= 2 && argv[0] == "image" && (argv[1] == "pull" || argv[1] == "load");
}

int forward(const std::string& api, std::vector<std::string> argv) {
  const char* token = std::getenv("SHOAL_TOKEN");
  // The agent reads `image load FILE` itself, from its own working directory: make it absolute.
  if (argv.size() == 3 && argv[0] == "image" && argv[1] == "load" && !argv[2].empty() && argv[2][0] != '-') {
    std::error_code ec;
    auto abs = std::filesystem::absolute(argv[2], ec);
    if (!ec) argv[2] = abs.string();
  }
  const bool long_call = is_image_transfer(argv);
  shoal::ApiRequest req{token ? token : "", std::move(argv)};
  auto resp = long_call ? shoal::call_agent(api, req, kImageTransferTimeoutMs) : shoal::call_agent(api, req);
  if (!resp) {
    std::fprintf(stderr, "shoal: %s\n", resp.message().c_str());
    return 1;
  }
  std::fputs(resp->out.c_str(), stdout);
  std::fputs(resp->err.c_str(), stderr);
  return resp->exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "keygen") {
    std::printf("%s\n", shoal::key_to_base64(shoal::generate_key()).c_str());
    return 0;
  }
  if (args[0] == "sim") return shoal::sim::run_sim_command({args.begin() + 1, args.end()});
  if (args[0] == "agent" && (args.size() < 2 || args[1] != "info")) {
    const char* env_key = std::getenv("SHOAL_KEY");
    auto config = shoal::parse_agent_args({args.begin() + 1, args.end()}, env_key ? env_key : "");
    // Copied out: wipe the key from argv and environ before any task shim is cloned from us.
    shoal::wipe_key_from_process(argc, argv);
    if (config) {
      if (auto s = shoal::load_key_file(*config); !s) config = s.error();
    }
    if (!config) {
      std::fprintf(stderr, "shoal agent: %s\n", config.message().c_str());
      return 2;
    }
    return shoal::run_agent(*config);
  }
  // --api may appear anywhere before `--`; it is the CLI's, not the command's. Everything after
  // `--` is the task's command line (`service create web -- mytool --api SOCK`), untouched.
  std::string api;
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {
      rest.insert(rest.end(), args.begin() + static_cast<long>(i), args.end());
      break;
    }
    if (args[i] == "--api") {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "shoal: --api needs a value (unix socket path or 127.0.0.1:PORT)\n");
        return 2;
      }
      api = args[++i];
    } else if (args[i].rfind("--api=", 0) == 0) {
      api = args[i].substr(6);
    } else {
      rest.push_back(args[i]);
    }
  }
  if (api.empty()) {
    const char* env = std::getenv("SHOAL_API");
    api = env ? env : shoal::kDefaultApiAddress;
  }
  if (shoal::cli_waits(rest)) return shoal::wait_until_converged(api, rest);
  if (rest.size() >= 2 && rest[0] == "service" && rest[1] == "logs" &&
      std::find(rest.begin(), rest.end(), "--follow") != rest.end())
    return follow_logs(api, rest);
  return forward(api, rest);
}
