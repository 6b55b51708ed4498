// `shoal`: the one binary. `shoal agent ...` runs the daemon; `shoal keygen` is local; every other
// command is forwarded to the local agent over the API (--api ADDR or $SHOAL_API), which parses
// the flags and renders the answer, so the rules for flags and output live in one place.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <thread>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/agent_config.h"
#include "agent/task_log_lines.h"
#include "cli/agent_config_file.h"
#include "cli/agent_secrets.h"
#include "cli/api_client.h"
#include "cli/command_help.h"
#include "cli/stack_deploy.h"
#include "cli/wait.h"
#include "common/keyring.h"
#include "common/version.h"
#include "runtime/log_pump.h"
#include "sim/sim_command.h"

namespace {

// One request of a follow loop: the answer, or nothing after printing why (and `exit_code`
// says what to exit with: 1 when the agent could not be reached, else the agent's code).
std::optional<shoal::ApiResponse> ask_agent(const std::string& api, const std::vector<std::string>& argv,
                                            int& exit_code) {
  const char* token = std::getenv("SHOAL_TOKEN");
  auto resp = shoal::call_agent(api, {token ? token : "", argv});
  if (!resp) {
    std::fprintf(stderr, "shoal: %s\n", resp.message().c_str());
    exit_code = 1;
    return std::nullopt;
  }
  if (resp->exit_code != 0) {
    std::fputs(resp->err.c_str(), stderr);
    exit_code = resp->exit_code;
    return std::nullopt;
  }
  return std::move(*resp);
}

// `service logs NAME --follow`: asks the agent every 250 ms for the lines each node wrote from
// the latest one printed from it (agent/task_log_lines.h, TaskLogFollow), until interrupted.
// The first answer is what the user asked for (--tail, --since).
int follow_logs(const std::string& api, std::vector<std::string> argv) {
  argv.erase(std::remove(argv.begin(), argv.end(), "--follow"), argv.end());
  shoal::TaskLogFollow follow(std::find(argv.begin(), argv.end(), "--timestamps") != argv.end());
  argv.push_back("--wire");
  for (;;) {
    std::vector<std::string> ask = argv;
    if (auto since = follow.node_since(); !since.empty()) ask.insert(ask.end(), {"--node-since", since});
    int exit_code = 0;
    auto resp = ask_agent(api, ask, exit_code);
    if (!resp) return exit_code;
    const std::string text = follow.take(resp->out);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

// `events` without --until: follow. Asks for what is new since the last answer (`--after SEQ`;
// the agent's answer starts with "cursor SEQ", agent/events.cc) and lets the agent hold the
// question until there is something (`--wait-ms`), so events are printed as they happen and an
// idle follower asks every 5 s, until interrupted. The agent renders each event, so text and
// JSON look the same as a one-shot call.
int follow_events(const std::string& api, const std::vector<std::string>& argv) {
  std::string cursor = "0";
  for (;;) {
    std::vector<std::string> ask = argv;
    ask.insert(ask.end(), {"--after", cursor, "--wait-ms", "5000"});
    int exit_code = 0;
    auto resp = ask_agent(api, ask, exit_code);
    if (!resp) return exit_code;
    const std::string& out = resp->out;
    std::size_t eol = out.find('\n');
    if (out.rfind("cursor ", 0) != 0 || eol == std::string::npos) {
      std::fprintf(stderr, "shoal: events: the agent does not speak the follow protocol (older version?)\n");
      return 1;
    }
    cursor = out.substr(7, eol - 7);
    std::fwrite(out.data() + eol + 1, 1, out.size() - eol - 1, stdout);
    std::fflush(stdout);
  }
}

// `image pull` and `image load` answer when the image is stored, which can take as long as the
// download: an hour bounds a multi-GiB pull on a slow edge link (the agent's transfer has its
// own stall timeout); `stack deploy` asks a registry for every image. Every other command
// answers within the default 10 s.
constexpr unsigned kImageTransferTimeoutMs = 3'600'000;

bool is_image_transfer(const std::vector<std::string>& argv) {
  return argv.size() >= 2 && ((argv[0] == "image" && (argv[1] == "pull" || argv[1] == "load")) ||
                              (argv[0] == "stack" && argv[1] == "deploy"));  // pins every image
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

// argv without the CLI's own `--api ADDR` (before any `--`), for finding the command it names.
std::vector<std::string> without_api_flag(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {
      out.insert(out.end(), args.begin() + static_cast<long>(i), args.end());
      break;
    }
    if (args[i] == "--api" && i + 1 < args.size()) ++i;  // without a value it stays: an error later
    else if (args[i].rfind("--api=", 0) != 0) out.push_back(args[i]);
  }
  return out;
}

// `shoal help [COMMAND...] [--man]` and `shoal COMMAND... --help`: answered from the command
// table, without an agent.
int print_help(std::vector<std::string> args) {
  if (args[0] == "help" && !shoal::cli::asks_for_help(args)) args.erase(args.begin());  // `help --help` is help's
  if (std::find(args.begin(), args.end(), "--man") != args.end()) {
    std::fputs(shoal::cli::render_man_page(shoal::kVersion).c_str(), stdout);
    return 0;
  }
  if (const auto* c = shoal::cli::find_command_help(args)) {
    std::fputs(shoal::cli::render_command_help(*c).c_str(), stdout);
    return 0;
  }
  const std::string group = args.empty() || args[0].empty() || args[0][0] == '-' ? "" : args[0];
  if (auto text = shoal::cli::render_group_help(group); !text.empty()) {
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  std::fputs(shoal::cli::render_overview().c_str(), stdout);
  if (!group.empty()) {
    std::fprintf(stderr, "shoal: unknown command '%s'\n", group.c_str());
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(shoal::cli::render_overview().c_str(), stderr);
    return 2;
  }
  if (args[0] == "--version" || args[0] == "version") {
    std::printf("shoal %s\n", shoal::kVersion);
    return 0;
  }
  if (auto words = without_api_flag(args); !words.empty() && (words[0] == "help" || shoal::cli::asks_for_help(words)))
    return print_help(words);
  if (args[0] == "completion") {
    if (args.size() != 2 || args[1] != "bash") {
      std::fprintf(stderr, "shoal completion: give `bash` (the one shell supported)\n");
      return 2;
    }
    std::fputs(shoal::cli::render_bash_completion().c_str(), stdout);
    return 0;
  }
  if (args[0] == "keygen") {
    std::printf("%s\n", shoal::key_to_base64(shoal::generate_key()).c_str());
    return 0;
  }
  // Internal: started by the agent's runtime for each task, never by a person (runtime/log_pump.h).
  if (args[0] == "log-pump") return shoal::runtime::run_log_pump({args.begin() + 1, args.end()});
  if (args[0] == "sim") return shoal::sim::run_sim_command({args.begin() + 1, args.end()});
  if (args[0] == "agent" && (args.size() < 2 || args[1] != "info")) {
    const char* env_key = std::getenv("SHOAL_KEY");
    auto agent_args = shoal::agent_args_with_config({args.begin() + 1, args.end()});
    auto config = agent_args ? shoal::parse_agent_args(agent_args->flags, env_key ? env_key : "")
                             : shoal::Result<shoal::AgentConfig>(agent_args.error());
    // Copied out: wipe the key from argv and environ before any task shim is cloned from us.
    shoal::wipe_key_from_process(argc, argv);
    if (config) {
      if (auto s = shoal::load_key_file(*config); !s) config = s.error();
    }
    if (!config) {
      std::fprintf(stderr, "shoal agent: %s\n", config.message().c_str());
      return 2;
    }
    if (agent_args->check_only) {
      std::printf("shoal agent: config ok: node %s, bind %s, %zu join address(es), data in %s\n",
                  config->name.c_str(), config->bind.c_str(), config->joins.size(), config->data_dir.c_str());
      return 0;
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
  if (rest.size() >= 2 && rest[0] == "stack" && rest[1] == "deploy") {
    auto request = shoal::stack_deploy_request(rest);
    if (!request) {
      std::fprintf(stderr, "shoal %s\n", request.message().c_str());
      return 2;
    }
    return forward(api, *request);
  }
  if (shoal::cli_waits(rest)) return shoal::wait_until_converged(api, rest);
  if (!rest.empty() && rest[0] == "events" && std::find(rest.begin(), rest.end(), "--until") == rest.end() &&
      std::none_of(rest.begin(), rest.end(), [](const std::string& a) { return a.rfind("--until=", 0) == 0; }))
    return follow_events(api, rest);
  if (rest.size() >= 2 && rest[0] == "service" && rest[1] == "logs" &&
      std::find(rest.begin(), rest.end(), "--follow") != rest.end())
    return follow_logs(api, rest);
  return forward(api, rest);
}
