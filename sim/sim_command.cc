#include "sim/sim_command.h"

#include <charconv>
#include <cstdio>
#include <optional>

#include "sim/chaos.h"

namespace shoal::sim {

namespace {

std::optional<std::uint64_t> number(const std::string& s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Bounds that keep one run within seconds and the properties meaningful (two nodes at least
// to partition; 64 keeps a run's memory and time small: bench/ is for large clusters).
constexpr std::uint64_t kMaxNodes = 64;
constexpr std::uint64_t kMaxChaosMs = 3'600'000;

int usage_error(const std::string& why) {
  std::fprintf(stderr, "shoal sim: %s\n%s", why.c_str(), kSimUsage);
  return 2;
}

}  // namespace

int run_sim_command(const std::vector<std::string>& args) {
  std::uint64_t first = 1, count = 1;
  ChaosOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "-h" || flag == "--help") {
      std::fputs(kSimUsage, stdout);
      return 0;
    }
    if (i + 1 >= args.size()) return usage_error(flag + " needs a value");
    const std::string& value = args[++i];
    if (flag == "--seed" || flag == "--seeds" || flag == "--chaos-ms") {
      auto v = number(value);
      if (!v) return usage_error(flag + " " + value + ": not a whole number");
      if (flag == "--seed") first = *v;
      else if (flag == "--seeds") count = *v;
      else if (*v == 0 || *v > kMaxChaosMs) return usage_error("--chaos-ms must be in [1, 3600000]");
      else options.chaos_ms = *v;
    } else if (flag == "--nodes") {
      const auto dash = value.find('-');
      auto lo = number(value.substr(0, dash));
      auto hi = dash == std::string::npos ? lo : number(value.substr(dash + 1));
      if (!lo || !hi || *lo < 2 || *lo > *hi || *hi > kMaxNodes)
        return usage_error("--nodes " + value + ": give N or MIN-MAX, within [2, 64]");
      options.min_nodes = *lo;
      options.max_nodes = *hi;
    } else {
      return usage_error("unknown flag " + flag);
    }
  }
  if (count == 0) return usage_error("--seeds must be at least 1");
  std::uint64_t failed = 0;
  for (std::uint64_t seed = first; seed - first < count; ++seed) {
    const ChaosOutcome r = run_chaos(seed, options);
    std::printf("seed=%llu nodes=%zu loss=%.2f acked_writes=%llu crashes=%llu partitions=%llu converged_ms=%llu "
                "trace=%016llx %s\n",
                static_cast<unsigned long long>(seed), r.nodes, r.udp_loss,
                static_cast<unsigned long long>(r.acked_writes), static_cast<unsigned long long>(r.crashes),
                static_cast<unsigned long long>(r.partitions), static_cast<unsigned long long>(r.converged_ms),
                static_cast<unsigned long long>(r.trace), r.failure.empty() ? "ok" : "FAILED");
    if (r.failure.empty()) continue;
    ++failed;
    std::printf("%s\nreproduce with: %s\n", r.failure.c_str(), reproduce_command(seed, options).c_str());
  }
  if (count > 1) std::printf("%llu of %llu seeds failed\n", static_cast<unsigned long long>(failed),
                             static_cast<unsigned long long>(count));
  return failed == 0 ? 0 : 1;
}

}  // namespace shoal::sim
