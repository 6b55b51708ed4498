// IPVS generic-netlink messages, built as bytes (pure; no socket). Layout follows the kernel's
// ip_vs_genl_policy (net/netfilter/ipvs/ip_vs_ctl.c) and ipvsadm's libipvs:
//   nlmsghdr{len, type = IPVS family id, flags = REQUEST|ACK, seq, pid 0}
//   genlmsghdr{cmd, version = IPVS_GENL_VERSION (1), 0}
//   IPVS_CMD_ATTR_SERVICE (nested): AF u16, PROTOCOL u16, ADDR 16 bytes (nf_inet_addr),
//     PORT be16, [SCHED_NAME str, FLAGS {flags u32, mask u32}, TIMEOUT u32, NETMASK be32]
//   IPVS_CMD_ATTR_DEST (nested): ADDR 16 bytes, PORT be16, [FWD_METHOD u32 (MASQ = NAT),
//     WEIGHT u32, U_THRESH u32, L_THRESH u32], ADDR_FAMILY u16
// Bracketed attributes are the "full entry" ones the kernel requires for NEW only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/envelope.h"  // Bytes
#include "loadbalancer/lb_types.h"

namespace shoal {

struct IpvsServiceParams {
  std::string scheduler = "mh";
  std::uint32_t flags = 0;       // IP_VS_SVC_F_*; e.g. 0x10 = MH_PORT
  std::uint32_t timeout_s = 0;   // persistence timeout (with kIpvsPersistentFlag)
};

// IP_VS_SVC_F_SCHED2, which the mh scheduler reads as "hash the source port too".
inline constexpr std::uint32_t kIpvsMhPortFlag = 0x0010;
// IP_VS_SVC_F_PERSISTENT: a client's connections go to one backend while it keeps connecting.
// IPVS serves port 0 (every port of the VIP) only for persistent services.
inline constexpr std::uint32_t kIpvsPersistentFlag = 0x0001;

Bytes ipvs_new_service(std::uint16_t family, std::uint32_t seq, const ServiceKey& key,
                       const IpvsServiceParams& params);
Bytes ipvs_del_service(std::uint16_t family, std::uint32_t seq, const ServiceKey& key);
Bytes ipvs_new_dest(std::uint16_t family, std::uint32_t seq, const ServiceKey& key,
                    const Backend& backend, std::uint32_t weight);
Bytes ipvs_del_dest(std::uint16_t family, std::uint32_t seq, const ServiceKey& key, const Backend& backend);
Bytes ipvs_flush(std::uint16_t family, std::uint32_t seq);

// CTRL_CMD_GETFAMILY for "IPVS" on the generic netlink controller (GENL_ID_CTRL).
Bytes genl_get_family(std::uint32_t seq, std::string_view family_name);

// Parses a controller reply: the family id, or an error (not a reply, no CTRL_ATTR_FAMILY_ID,
// or a netlink error such as ENOENT when the kernel has no IPVS).
Result<std::uint16_t> parse_family_reply(const std::uint8_t* data, std::size_t size);

}  // namespace shoal
