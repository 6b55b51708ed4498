// bench_lb: the cost of programming the load balancer at scale.
//  - nftables, for real, in a throwaway network namespace (unshare; root needed): 10,000
//    services x 10 backends from empty in one netlink batch, then 50 single-endpoint removals
//    and re-adds straight through the backend (median and max), and one through
//    LoadBalancer::sync (which diffs the whole desired state each pass).
//  - IPVS: time to build the generic-netlink messages for the same (this kernel has no IPVS).
// Targets (issue 7): full <= 1 s, one change <= 10 ms. Prints one line per figure.
//
// Measured (release -O2, kernel 6.18, shared 2-core machine under load 2-8):
//   10k x 10 from empty: 230-415 ms (was 7.1 s with libnftables); one change: median
//   0.66-0.75 ms, max 3-9 ms (was ~100 ms); 1k x 10: 21-34 ms / 0.08 ms (was 197 / 9.5 ms).
//   With the catch-all lookup rules (every port of a VIP): 360-390 ms / 1.3 ms; in the agent's
//   shape (a catch-all key per VIP too, "nft+any"): 778-845 ms / 2.8-3.2 ms, max 7-12 ms;
//   through LoadBalancer::sync 2.0 ms / 5.1 ms (its full-state diff 0.4 / 1.3 ms).
//   kube-proxy's nftables mode rewrites a service's chain and an endpoint chain per endpoint
//   change and drives the `nft` binary with text; shoal changes 3-5 map elements over netlink.
//   docs/loadbalancer.md has the design and the full comparison.
// Usage: bench_lb [services] [backends]
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "loadbalancer/ipvs_messages.h"
#include "loadbalancer/lb_backend.h"
#include "loadbalancer/lb_plan.h"
#include "loadbalancer/nft_backend.h"
#include "loadbalancer/nft_messages.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Every service: VIP:80 -> backends:8080. With `catch_all`, also what the agent adds for every
// VIP (agent/network_view.cc): every other protocol and port (backends keep the port).
shoal::LbState make_state(int services, int backends, bool catch_all) {
  shoal::LbState state;
  for (int s = 0; s < services; ++s) {
    shoal::Ipv4 vip{0x0A600001u + std::uint32_t(s)};
    auto& set = state[shoal::ServiceKey{vip, shoal::Protocol::kTcp, 80}];
    for (int b = 0; b < backends; ++b)
      set.insert(shoal::Backend{shoal::Ipv4{0x0AC80000u + std::uint32_t(s * backends + b)}, 8080});
    if (!catch_all) continue;
    auto& any = state[shoal::ServiceKey{vip, shoal::Protocol::kAny, 0}];
    for (const auto& b : set) any.insert(shoal::Backend{b.ip, 0});
  }
  return state;
}

int bench_ipvs(const shoal::LbState& state) {
  auto start = Clock::now();
  std::size_t bytes = 0, messages = 0;
  std::uint32_t seq = 1;
  auto ops = shoal::plan_lb({}, state);
  for (const auto& op : ops) {
    if (auto* o = std::get_if<shoal::AddService>(&op)) bytes += shoal::ipvs_new_service(0x24, seq++, o->key, {"mh", shoal::kIpvsMhPortFlag}).size();
    else if (auto* o = std::get_if<shoal::AddBackend>(&op)) bytes += shoal::ipvs_new_dest(0x24, seq++, o->key, o->backend, 1).size();
    ++messages;
  }
  double full_ms = ms_since(start);
  start = Clock::now();
  const auto& first = *state.begin();
  auto one = shoal::ipvs_del_dest(0x24, seq++, first.first, *first.second.begin());
  double one_us = ms_since(start) * 1000;
  std::printf("ipvs  build %zu messages (%zu bytes) from empty: %.1f ms; one endpoint change: 1 message, %.1f us to build\n",
              messages, bytes, full_ms, one_us);
  return one.empty() ? 1 : 0;
}

// Median and worst of `rounds` single-endpoint changes applied straight to the backend (one
// kernel transaction each), alternating removal and re-add over different services.
struct ChangeTimes { double remove_median_ms, remove_max_ms, add_median_ms, add_max_ms; std::size_t bytes; };

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

shoal::Result<ChangeTimes> time_changes(shoal::NftablesBackend& backend, const shoal::LbState& state, int rounds) {
  std::vector<double> removes, adds;
  auto it = state.begin();
  for (int i = 0; i < rounds; ++i, ++it) {
    if (it == state.end()) it = state.begin();
    auto victim = *it->second.begin();
    auto start = Clock::now();
    if (auto st = backend.apply({shoal::DelBackend{it->first, victim}}); !st) return shoal::make_error(st.message());
    removes.push_back(ms_since(start));
    start = Clock::now();
    if (auto st = backend.apply({shoal::AddBackend{it->first, victim}}); !st) return shoal::make_error(st.message());
    adds.push_back(ms_since(start));
  }
  return ChangeTimes{median(removes), *std::max_element(removes.begin(), removes.end()), median(adds),
                     *std::max_element(adds.begin(), adds.end()), backend.last_batch_bytes()};
}

int bench_nft(const shoal::LbState& state, const char* label) {
  if (::geteuid() != 0 || ::unshare(CLONE_NEWNET) != 0) {  // a fresh namespace per call
    std::printf("nft   skipped: needs root to make a throwaway network namespace\n");
    return 0;
  }
  auto backend = shoal::NftablesBackend::open(shoal::LbConfig{});
  if (!backend) {
    std::printf("nft   skipped: %s\n", backend.message().c_str());
    return 0;
  }
  // The user-space share of the full program: diff, model and netlink bytes, no kernel.
  auto start = Clock::now();
  shoal::NftRuleset model;
  model.reset(shoal::LbConfig{}.nft_pick_chains_at_reset);
  shoal::NftBatch batch("shoal", 1);
  shoal::write_nft_changes(batch, shoal::LbConfig{}, model.plan(shoal::plan_lb({}, state)));
  auto encoded = batch.finish();
  double encode_ms = ms_since(start);

  shoal::LoadBalancer lb(**backend);
  if (auto st = lb.sync({}); !st) {  // creates the empty table: not part of the measured program
    std::printf("nft   failed: %s\n", st.message().c_str());
    return 1;
  }
  start = Clock::now();
  if (auto st = lb.sync(state); !st) {
    std::printf("nft   failed: %s\n", st.message().c_str());
    return 1;
  }
  double full_ms = ms_since(start);
  std::printf("%s program %zu services from empty: %.1f ms (one batch of %zu bytes, %zu elements; "
              "%.1f ms of it plan + encode in user space)\n",
              label, state.size(), full_ms, encoded.size(), (*backend)->last_changes().element_count(), encode_ms);

  // The backend alone: what the kernel update costs (the target).
  auto times = time_changes(**backend, state, 50);
  if (!times) {
    std::printf("nft   failed: %s\n", times.message().c_str());
    return 1;
  }
  std::printf("%s one endpoint removed: median %.3f ms, max %.3f ms; added: median %.3f ms, max %.3f ms "
              "(%zu bytes, %zu elements; 50 of each)\n",
              label, times->remove_median_ms, times->remove_max_ms, times->add_median_ms, times->add_max_ms, times->bytes,
              (*backend)->last_changes().element_count());

  // Through LoadBalancer::sync, which diffs the whole desired state each pass.
  auto changed = state;
  changed.begin()->second.erase(*changed.begin()->second.begin());
  start = Clock::now();
  auto diff = shoal::plan_lb(state, changed);  // the user-space share of sync: the full-state diff
  double diff_ms = ms_since(start);
  start = Clock::now();
  if (auto st = lb.sync(changed); !st) {
    std::printf("nft   failed: %s\n", st.message().c_str());
    return 1;
  }
  std::printf("%s one endpoint removed via LoadBalancer::sync: %.2f ms (of which the full-state diff alone %.2f ms, %zu op)\n",
              label, ms_since(start), diff_ms, diff.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int services = argc > 1 ? std::atoi(argv[1]) : 10000;
  int backends = argc > 2 ? std::atoi(argv[2]) : 10;
  if (services < 1 || services > 60000 || backends < 1 || backends > 1000) {
    std::fprintf(stderr, "usage: bench_lb [services 1..60000] [backends 1..1000]\n");
    return 2;
  }
  std::printf("bench_lb: %d services x %d backends\n", services, backends);
  auto state = make_state(services, backends, false);
  int rc = bench_ipvs(state);
  rc |= bench_nft(state, "nft  ");
  // The agent's shape: each VIP also forwards every other port: 2 keys per service.
  return rc | bench_nft(make_state(services, backends, true), "nft+any");
}
