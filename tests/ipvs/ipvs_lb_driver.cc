// Guest-side driver for `make test-ipvs`: programs the VM kernel's IPVS through shoal's own
// code (MnlGenlTransport -> IpvsBackend -> LoadBalancer::sync), one desired state per stdin
// line (format in lb_state_text.h). One process keeps one LoadBalancer, so the second and later
// lines exercise the incremental path (only the difference is sent), as the agent does.
//
// Usage: ipvs_lb_driver [--scheduler NAME] [--no-mh-port]
// After each line it prints "synced ops=N scheduler=S" or "error: ..." and flushes, so the
// script reading its output can wait for the answer before sending traffic.
// Exit: 0 at end of input, 1 when IPVS cannot be opened, 2 on bad usage.
#include <cstdio>
#include <iostream>
#include <string>

#include "loadbalancer/ipvs_backend.h"
#include "loadbalancer/lb_backend.h"
#include "tests/ipvs/lb_state_text.h"

namespace {

int usage() {
  std::cerr << "usage: ipvs_lb_driver [--scheduler NAME] [--no-mh-port] < states\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  shoal::LbConfig config;
  config.backend = shoal::LbBackendKind::kIpvs;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--scheduler" && i + 1 < argc) {
      config.ipvs_scheduler = argv[++i];
    } else if (arg == "--no-mh-port") {
      config.ipvs_mh_port = false;
    } else {
      return usage();
    }
  }

  auto transport = shoal::MnlGenlTransport::open();
  if (!transport) {
    std::cout << "error: " << transport.message() << std::endl;
    return 1;
  }
  auto backend = shoal::IpvsBackend::open(std::move(*transport), config);
  if (!backend) {
    std::cout << "error: " << backend.message() << std::endl;
    return 1;
  }
  shoal::LoadBalancer balancer(**backend);

  std::string line;
  while (std::getline(std::cin, line)) {
    auto desired = shoal::parse_lb_state(line);
    if (!desired) {
      std::cout << "error: " << desired.message() << std::endl;
      continue;
    }
    if (auto st = balancer.sync(*desired); !st) {
      std::cout << "error: " << st.message() << std::endl;
      continue;
    }
    std::cout << "synced ops=" << balancer.last_op_count() << " scheduler=" << (*backend)->scheduler()
              << std::endl;
  }
  return 0;
}
