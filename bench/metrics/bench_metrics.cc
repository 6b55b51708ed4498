// bench_metrics: what one /metrics scrape costs the agent's event loop. Builds a replica with
// 1,000 services x 3 tasks (statuses written by 3 nodes), 3 members, API traffic on 20 verbs
// and a few thousand histogram observations, then times render_metrics (the document the
// endpoint serves, copying the member list as the agent does) over many scrapes.
// Target (issue 17): <= 5 ms per scrape at this size. Prints the figures; asserts nothing.
// Usage: bench_metrics [SERVICES] [SCRAPES]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/metrics_collect.h"

using namespace shoal;

namespace {

crdt::DesiredState build_state(int services) {
  const char* nodes[] = {"n1", "n2", "n3"};
  crdt::Replica writer{NodeId{"n1"}};
  for (int s = 0; s < services; ++s) {
    crdt::ServiceSpec spec;
    spec.task.command = "/bin/sleep";
    spec.replicas = 3;
    if (!writer.create_service(1000, "svc-" + std::to_string(s), spec).ok()) std::abort();
  }
  crdt::DesiredState state = writer.state();
  for (int n = 0; n < 3; ++n) {  // each node writes the statuses of the slots it runs
    crdt::Replica runner{NodeId{nodes[n]}};
    runner.restore(state);
    for (int s = 0; s < services; ++s) {
      crdt::TaskStatus t;
      t.service = "svc-" + std::to_string(s);
      t.slot = static_cast<std::uint32_t>(n);
      t.spec_version = 1;
      t.state = s % 50 == 0 ? TaskState::kFailed : TaskState::kHealthy;
      state.merge(runner.put_task(2000, t));
    }
  }
  return state;
}

// This thread's CPU time: what the scrape costs, without the time another process held the
// core (the build machine's 2 cores are shared, so wall-time tails are mostly preemption).
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const int services = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int scrapes = argc > 2 ? std::atoi(argv[2]) : 500;
  const crdt::DesiredState state = build_state(services);
  std::size_t tasks = 0;
  for (const auto& [runner, entries] : state.tasks.writers) tasks += entries.size();

  std::vector<membership::Member> view(3);
  for (int i = 0; i < 3; ++i) view[static_cast<std::size_t>(i)].id = NodeId{"n" + std::to_string(i + 1)};
  membership::Counters swim;
  swim.probes_sent = 123456;
  ShellMetrics shell;
  const char* verbs[] = {"members", "service create", "service ls", "service ps", "service inspect", "service scale",
                         "service update", "service rollback", "service rm", "service logs", "service progress",
                         "node ls", "node update", "image pull", "image ls", "image rm", "keys list", "agent info",
                         "state", "version"};
  for (int i = 0; i < 5000; ++i) shell.api.observe(verbs[i % 20], (i % 97) / 1000.0, i % 13 == 0);
  for (int i = 0; i < 1000; ++i) shell.placement_seconds.observe((i % 40) / 1000.0);

  std::vector<double> ms, cpu_ms;
  std::size_t bytes = 0;
  for (int i = 0; i < scrapes; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = thread_cpu_ms();
    const std::vector<membership::Member> members = view;  // the agent copies Swim::members()
    MetricsInputs in;
    in.version = "0.1.0";
    in.node = "n1";
    in.members = &members;
    in.swim = &swim;
    in.state = &state;
    in.runtime = runtime::RuntimeCounters{};
    in.registry = image::RegistryClientCounters{};
    in.shell = &shell;
    const std::string doc = render_metrics(in);
    cpu_ms.push_back(thread_cpu_ms() - cpu_start);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    bytes = doc.size();
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu_ms.begin(), cpu_ms.end());
  auto at = [](const std::vector<double>& v, double q) {
    return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
  };
  std::printf("metrics scrape: %d services, %zu task statuses, %d scrapes, document %zu bytes\n", services, tasks,
              scrapes, bytes);
  std::printf("  render per scrape, wall: median %.3f ms, p99 %.3f ms, max %.3f ms (target <= 5 ms)\n", at(ms, 0.5),
              at(ms, 0.99), ms.back());
  std::printf("  render per scrape, CPU:  median %.3f ms, p99 %.3f ms, max %.3f ms\n", at(cpu_ms, 0.5),
              at(cpu_ms, 0.99), cpu_ms.back());
  return 0;
}
