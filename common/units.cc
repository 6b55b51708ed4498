#include "common/units.h"

#include <cctype>
#include <charconv>

namespace shoal {

namespace {

// Reads a non-negative decimal "12" or "0.25" from the front of `s`; returns value * 1000.
bool take_decimal_milli(std::string_view& s, std::uint64_t* milli) {
  std::size_t i = 0;
  std::uint64_t whole = 0, frac = 0, scale = 1000;
  bool digits = false;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    if (whole > (UINT64_MAX / 10000)) return false;
    whole = whole * 10 + static_cast<std::uint64_t>(s[i] - '0');
    ++i, digits = true;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (scale > 1) {
        scale /= 10;
        frac += static_cast<std::uint64_t>(s[i] - '0') * scale;
      }
      ++i, digits = true;
    }
  }
  if (!digits) return false;
  *milli = whole * 1000 + frac;
  s.remove_prefix(i);
  return true;
}

}  // namespace

Result<std::uint64_t> parse_size_bytes(std::string_view text) {
  std::string_view s = text;
  std::uint64_t milli = 0;
  auto bad = [&] {
    return make_error("'" + std::string(text) + "' is not a size; use e.g. 512MiB, 1G or 1048576");
  };
  if (!take_decimal_milli(s, &milli)) return bad();
  std::string unit;
  for (char c : s) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::uint64_t mult = 0;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib") mult = 1ull << 10;
  else if (unit == "m" || unit == "mb" || unit == "mib") mult = 1ull << 20;
  else if (unit == "g" || unit == "gb" || unit == "gib") mult = 1ull << 30;
  else if (unit == "t" || unit == "tb" || unit == "tib") mult = 1ull << 40;
  else return bad();
  if (milli > UINT64_MAX / mult) return bad();
  return milli * mult / 1000;
}

Result<std::uint64_t> parse_duration_ms(std::string_view text) {
  std::string_view s = text;
  auto bad = [&] {
    return make_error("'" + std::string(text) + "' is not a duration; use e.g. 500ms, 2s or 1m30s");
  };
  auto too_long = [&] {
    return make_error("'" + std::string(text) + "' is longer than the limit of " +
                      format_duration(kMaxDurationMs) + " (365 days)");
  };
  if (s.empty()) return bad();
  std::uint64_t total = 0;
  while (!s.empty()) {
    std::uint64_t milli = 0;
    if (!take_decimal_milli(s, &milli)) return bad();
    std::uint64_t unit_ms = 1000;  // bare number: seconds
    if (s.substr(0, 2) == "ms") unit_ms = 1, s.remove_prefix(2);
    else if (!s.empty() && s[0] == 's') unit_ms = 1000, s.remove_prefix(1);
    else if (!s.empty() && s[0] == 'm') unit_ms = 60'000, s.remove_prefix(1);
    else if (!s.empty() && s[0] == 'h') unit_ms = 3'600'000, s.remove_prefix(1);
    else if (!s.empty()) return bad();
    // milli (up to 1.8e19) times unit_ms (up to 3.6e6) overflows: compare with the cap first;
    // the +1 leaves room for rounding, which the check after the sum catches.
    if (milli > (kMaxDurationMs - total) * 1000 / unit_ms + 1)
      return too_long();
    total += milli * unit_ms / 1000;
    if (total > kMaxDurationMs) return too_long();
  }
  return total;
}

Result<std::uint64_t> parse_cpu_millis(std::string_view text) {
  std::string_view s = text;
  std::uint64_t milli = 0;
  if (!take_decimal_milli(s, &milli) || !s.empty())
    return make_error("'" + std::string(text) + "' is not a CPU count; use e.g. 0.5 or 2");
  return milli;
}

std::string format_size(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (u < 4 && bytes >= 1024 && bytes % 1024 == 0) bytes /= 1024, ++u;
  return std::to_string(bytes) + units[u];
}

std::string format_duration(std::uint64_t ms) {
  if (ms < 1000 || ms % 1000 != 0) return std::to_string(ms) + "ms";
  std::uint64_t s = ms / 1000;
  std::string out;
  if (s >= 3600) out += std::to_string(s / 3600) + "h", s %= 3600;
  if (s >= 60) out += std::to_string(s / 60) + "m", s %= 60;
  if (s > 0 || out.empty()) out += std::to_string(s) + "s";
  return out;
}

}  // namespace shoal
