// `shoal`: the one binary. `shoal agent ...` runs the daemon; `shoal keygen` is local; every other
// command is forwarded to the local agent over the API (--api ADDR or $SHOAL_API), which parses
// the flags and renders the answer, so the rules for flags and output live in one place.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/agent_config.h"
#include "cli/api_client.h"
#include "cli/wait.h"
#include "common/keyring.h"

namespace {

constexpr const char* kUsage = R"(usage: shoal COMMAND [ARGS] [--api ADDR]

  agent --name NAME --bind IP:PORT [--join IP:PORT]... --key B64|--keyring FILE
        [--advertise IP:PORT] [--label k=v]... [--cpu N] [--memory SIZE]
        [--profile lan|wan|local] [--api ADDR] [--api-token-file FILE] [--data-dir DIR]
  agent info                       counters, dropped packets by reason
  members [--status alive|suspect|failed|left] [--format json] [--stats]
  keygen                           print a new base64 cluster key
  keys list|install KEY|use KEY|remove KEY
  service create|ls|inspect|ps|scale|update|rollback|rm|logs ...
  node ls | node update --availability active|pause|drain NODE
  state dump --format json

The agent is found at --api ADDR, else $SHOAL_API, else /run/shoal/agent.sock.
A TCP --api needs the token in $SHOAL_TOKEN.
)";

int forward(const std::string& api, std::vector<std::string> argv) {
  const char* token = std::getenv("SHOAL_TOKEN");
  shoal::ApiRequest req{token ? token : "", std::move(argv)};
  auto resp = shoal::call_agent(api, req);
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
  if (args[0] == "agent" && (args.size() < 2 || args[1] != "info")) {
    auto config = shoal::parse_agent_args({args.begin() + 1, args.end()});
    if (!config) {
      std::fprintf(stderr, "shoal agent: %s\n", config.message().c_str());
      return 2;
    }
    return shoal::run_agent(*config);
  }
  // --api may appear anywhere; it is the CLI's, not the command's.
  std::string api;
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
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
  return forward(api, rest);
}
