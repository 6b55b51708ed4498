#include "overlay/ipv4.h"

#include <charconv>

namespace shoal {

std::array<std::uint8_t, 4> Ipv4::bytes() const {
  return {static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
          static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
}

Result<Ipv4> parse_ipv4(std::string_view text) {
  auto bad = [&] { return make_error("'" + std::string(text) + "' is not an IPv4 address (a.b.c.d)"); };
  std::uint32_t value = 0;
  std::size_t pos = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (pos >= text.size() || text[pos] != '.') return bad();
      ++pos;
    }
    std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 3) ++pos;
    if (pos == start) return bad();
    unsigned octet = 0;
    std::from_chars(text.data() + start, text.data() + pos, octet);
    if (octet > 255) return bad();
    value = (value << 8) | octet;
  }
  if (pos != text.size()) return bad();
  return Ipv4{value};
}

std::string to_string(Ipv4 addr) {
  auto b = addr.bytes();
  return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." +
         std::to_string(b[3]);
}

Ipv4 Ipv4Prefix::at(std::uint64_t offset) const {
  SHOAL_ASSERT(offset < size());
  return Ipv4{addr.value + static_cast<std::uint32_t>(offset)};
}

Result<Ipv4Prefix> parse_prefix(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return make_error("'" + std::string(text) + "' is not a prefix; write it as a.b.c.d/n");
  auto addr = parse_ipv4(text.substr(0, slash));
  if (!addr) return addr.error();
  auto len_text = text.substr(slash + 1);
  unsigned length = 0;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), length);
  if (ec != std::errc() || end != len_text.data() + len_text.size() || len_text.empty() ||
      length < 1 || length > 32)
    return make_error("'" + std::string(text) + "': prefix length must be 1..32");
  Ipv4Prefix prefix{*addr, static_cast<std::uint8_t>(length)};
  if ((addr->value & ~prefix.mask()) != 0)
    return make_error("'" + std::string(text) + "' has host bits set; the network is " +
                      to_string(Ipv4Prefix{Ipv4{addr->value & prefix.mask()}, prefix.length}));
  return prefix;
}

std::string to_string(const Ipv4Prefix& prefix) {
  return to_string(prefix.addr) + "/" + std::to_string(prefix.length);
}

Ipv4Prefix nth_subprefix(const Ipv4Prefix& pool, std::uint8_t sub_length, std::uint32_t index) {
  SHOAL_ASSERT(sub_length >= pool.length && sub_length <= 32);
  SHOAL_ASSERT(std::uint64_t{index} < (std::uint64_t{1} << (sub_length - pool.length)));
  std::uint64_t offset = std::uint64_t{index} << (32 - sub_length);
  return Ipv4Prefix{Ipv4{pool.addr.value + static_cast<std::uint32_t>(offset)}, sub_length};
}

}  // namespace shoal
