// IPv4 addresses and prefixes as value types (host byte order inside; network order only at the
// netlink/IPVS boundary). Shared by overlay/ and loadbalancer/; it belongs in common/ once the
// lead moves it there (it has no dependency but Result).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace shoal {

struct Ipv4 {
  std::uint32_t value = 0;  // host byte order: 10.0.0.1 is 0x0A000001

  auto operator<=>(const Ipv4&) const = default;
  bool operator==(const Ipv4&) const = default;

  // The 4 bytes as they travel on the wire (network order).
  std::array<std::uint8_t, 4> bytes() const;
};

// Accepts only dotted quads "a.b.c.d" with each part 0..255 and no leading '+'/'-'/spaces.
Result<Ipv4> parse_ipv4(std::string_view text);
std::string to_string(Ipv4 addr);

struct Ipv4Prefix {
  Ipv4 addr;               // the network address (host bits zero)
  std::uint8_t length = 0; // 0..32

  auto operator<=>(const Ipv4Prefix&) const = default;
  bool operator==(const Ipv4Prefix&) const = default;

  std::uint32_t mask() const { return length == 0 ? 0 : ~std::uint32_t{0} << (32 - length); }
  bool contains(Ipv4 ip) const { return (ip.value & mask()) == addr.value; }
  // Number of addresses (2^(32-length)); 2^32 does not fit, so /0 is refused by the parser.
  std::uint64_t size() const { return std::uint64_t{1} << (32 - length); }
  // The address `offset` into the prefix; offset must be < size().
  Ipv4 at(std::uint64_t offset) const;
};

// "a.b.c.d/n"; host bits must be zero ("10.200.0.1/16" is an error: which did you mean?).
// Lengths 1..32 (a /0 pool would swallow the underlay).
Result<Ipv4Prefix> parse_prefix(std::string_view text);
std::string to_string(const Ipv4Prefix& prefix);

// The index-th sub-prefix of length `sub_length` inside `pool` (sub_length >= pool.length).
Ipv4Prefix nth_subprefix(const Ipv4Prefix& pool, std::uint8_t sub_length, std::uint32_t index);

}  // namespace shoal
