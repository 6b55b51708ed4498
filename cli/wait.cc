#include "cli/wait.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>

#include "cli/api_client.h"
#include "cli/progress.h"

namespace shoal {

namespace {

// How long the CLI waits for convergence before giving up (the write itself stays).
constexpr int kWaitLimitS = 300;
constexpr int kPollMs = 100;
// Slots no node can take: once every task not ready is pending, unchanged for this long, the CLI
// says why and gives up (the service stays; the cluster places it when a node fits).
constexpr int kPendingGiveUpMs = 5'000;

bool has(const std::vector<std::string>& argv, const std::string& flag) {
  for (const auto& a : argv) {
    if (a == "--") return false;
    if (a == flag) return true;
  }
  return false;
}

// The service a write names: `create --name N`, `scale N=3`, `update N`, `rollback N`.
std::string service_of(const std::vector<std::string>& argv) {
  for (std::size_t i = 2; i < argv.size(); ++i) {
    if (argv[i] == "--") break;
    if (argv[i] == "--name" && i + 1 < argv.size()) return argv[i + 1];
    if (argv[i].rfind("--name=", 0) == 0) return argv[i].substr(7);
  }
  if (argv[1] == "create") return "";
  for (std::size_t i = 2; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--") break;
    if (a.rfind("--", 0) == 0) {
      if (a.find('=') == std::string::npos && i + 1 < argv.size()) ++i;  // skip the flag's value
      continue;
    }
    return a.substr(0, a.find('='));
  }
  return "";
}

void draw(bool tty, const std::string& name, unsigned long ready, unsigned long desired, const std::string& phase,
          std::string* last) {
  char line[256];
  if (tty) {
    const int width = 30;
    int filled = desired ? static_cast<int>(width * ready / desired) : width;
    std::string bar(static_cast<std::size_t>(filled), '=');
    if (filled < width) bar += '>', bar += std::string(static_cast<std::size_t>(width - filled - 1), ' ');
    std::snprintf(line, sizeof line, "\r%s: [%s] %lu/%lu %-12s", name.c_str(), bar.c_str(), ready, desired, phase.c_str());
    std::fputs(line, stdout);
    std::fflush(stdout);
    return;
  }
  std::snprintf(line, sizeof line, "%s: %lu/%lu tasks ready, %s\n", name.c_str(), ready, desired, phase.c_str());
  if (*last != line) std::fputs(line, stdout);
  *last = line;
}

}  // namespace

bool cli_waits(const std::vector<std::string>& argv) {
  if (argv.size() < 2 || argv[0] != "service") return false;
  const std::string& verb = argv[1];
  if (verb != "create" && verb != "scale" && verb != "update" && verb != "rollback") return false;
  return !has(argv, "--detach");  // a --help here is the task's: the CLI answered its own already
}

int wait_until_converged(const std::string& api, const std::vector<std::string>& argv) {
  const char* token_env = std::getenv("SHOAL_TOKEN");
  std::string token = token_env ? token_env : "";
  auto resp = call_agent(api, {token, argv});
  if (!resp) {
    std::fprintf(stderr, "shoal: %s\n", resp.message().c_str());
    return 1;
  }
  std::fputs(resp->err.c_str(), stderr);
  if (resp->exit_code != 0) return resp->exit_code;
  std::string name = service_of(argv);
  if (name.empty()) name = resp->out.substr(0, resp->out.find('\n'));
  std::fputs(resp->out.c_str(), stdout);
  bool tty = ::isatty(STDOUT_FILENO) != 0;
  std::string last;
  std::string pending_seen;
  std::optional<std::uint64_t> version_written;  // the version our write produced (first progress read)
  auto pending_since = std::chrono::steady_clock::now();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kWaitLimitS);
  while (std::chrono::steady_clock::now() < deadline) {
    auto p = call_agent(api, {token, {"service", "progress", name}});
    if (!p || p->exit_code != 0) {
      std::fprintf(stderr, "\nshoal: cannot read progress of %s: %s\n", name.c_str(),
                   p ? p->err.c_str() : p.message().c_str());
      return 1;
    }
    auto progress = parse_progress(p->out);
    if (!progress) {
      std::fprintf(stderr, "\nshoal: cannot read progress of %s: %s\n", name.c_str(), progress.message().c_str());
      return 1;
    }
    if (progress->removed) {
      std::fprintf(stderr, "%sshoal: %s was removed while this command waited for it\n", tty ? "\n" : "", name.c_str());
      return 1;
    }
    // The version moved on while we waited: the update failed and a node wrote the rollback
    // (or someone else wrote the service). Either way ours is not what runs: say so.
    if (!version_written) version_written = progress->version;
    if (progress->version != *version_written) {
      std::fprintf(stderr, "%sshoal: %s is now at version %llu, not the version %llu this command wrote: the update "
                   "failed and was rolled back, or another write replaced it (see `shoal service inspect %s`)\n",
                   tty ? "\n" : "", name.c_str(), static_cast<unsigned long long>(progress->version),
                   static_cast<unsigned long long>(*version_written), name.c_str());
      return 1;
    }
    const unsigned long ready = progress->ready, desired = progress->desired, pending = progress->pending;
    const std::string& phase = progress->phase;
    draw(tty, name, ready, desired, phase, &last);
    if (phase == "paused" || phase == "rolling_back") {
      const std::string& msg = progress->message;
      std::fprintf(stderr, "%sshoal: update of %s %s%s%s\n", tty ? "\n" : "", name.c_str(),
                   phase == "paused" ? "paused" : "is rolling back", msg.empty() ? "" : ": ", msg.c_str());
      return 1;
    }
    std::string pending_now =
        pending > 0 && ready + pending == desired ? std::to_string(pending) + "/" + progress->message : "";
    if (pending_now != pending_seen) pending_seen = pending_now, pending_since = std::chrono::steady_clock::now();
    if (!pending_now.empty() &&
        std::chrono::steady_clock::now() - pending_since > std::chrono::milliseconds(kPendingGiveUpMs)) {
      std::fprintf(stderr, "%sshoal: %lu of %lu tasks of %s cannot be placed: %s (the service is kept; it runs when a node fits)\n",
                   tty ? "\n" : "", pending, desired, name.c_str(), progress->message.c_str());
      return 1;
    }
    if (phase == "completed" && ready == desired) {
      if (tty) std::fputs("\n", stdout);
      std::printf("%s: converged\n", name.c_str());
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
  }
  std::fprintf(stderr, "%sshoal: %s did not converge within %d s (still converging; see `shoal service ps %s`)\n",
               tty ? "\n" : "", name.c_str(), kWaitLimitS, name.c_str());
  return 1;
}

}  // namespace shoal
