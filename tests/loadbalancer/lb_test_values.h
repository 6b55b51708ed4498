#pragma once
// Addresses the load-balancer tests share: one web VIP and its backends.
#include <cstdint>

#include "loadbalancer/lb_types.h"

namespace shoal {

inline const ServiceKey kWeb{Ipv4{0x0A600005}, Protocol::kTcp, 80};  // 10.96.0.5:80/tcp
// Backend n: 10.200.1.n:8080.
inline Backend be(int n) { return Backend{Ipv4{0x0AC80100u + std::uint32_t(n)}, 8080}; }

}  // namespace shoal
