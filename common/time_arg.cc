#include "common/time_arg.h"

#include <cctype>
#include <ctime>
#include <string>

#include "common/units.h"

namespace shoal {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// `n` digits at `pos` as a number, or -1.
int digits_at(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size() || !all_digits(s.substr(pos, n))) return -1;
  return std::stoi(std::string(s.substr(pos, n)));
}

Error bad_time(std::string_view text) {
  return make_error("'" + std::string(text) +
                    "' is not a time: give Unix seconds (1733580000), RFC 3339 (2026-12-07T13:12:00Z, "
                    "2026-12-07) or a duration before now (10m, 1h30m)");
}

}  // namespace

Result<std::uint64_t> parse_rfc3339(std::string_view s) {
  int year = digits_at(s, 0, 4), mon = digits_at(s, 5, 2), day = digits_at(s, 8, 2);
  if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || s[4] != '-' || s[7] != '-') return bad_time(s);
  std::tm tm{};
  tm.tm_year = year - 1900, tm.tm_mon = mon - 1, tm.tm_mday = day;
  std::uint64_t frac_ms = 0;
  std::int64_t offset_s = 0;
  if (s.size() > 10) {
    if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s.size() < 20 || s[13] != ':' || s[16] != ':') return bad_time(s);
    int h = digits_at(s, 11, 2), m = digits_at(s, 14, 2), sec = digits_at(s, 17, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60) return bad_time(s);
    tm.tm_hour = h, tm.tm_min = m, tm.tm_sec = sec;
    std::size_t pos = 19;
    if (pos < s.size() && s[pos] == '.') {
      std::size_t start = ++pos;
      while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
      if (pos == start) return bad_time(s);
      std::string ms(s.substr(start, std::min<std::size_t>(pos - start, 3)));
      while (ms.size() < 3) ms += '0';
      frac_ms = std::stoull(ms);
    }
    std::string_view zone = s.substr(pos);
    if (zone == "Z" || zone == "z") {
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
      int zh = digits_at(zone, 1, 2), zm = digits_at(zone, 4, 2);
      if (zh < 0 || zh > 23 || zm < 0 || zm > 59) return bad_time(s);
      offset_s = (zone[0] == '+' ? 1 : -1) * (zh * 3600 + zm * 60);
    } else {
      return bad_time(s);
    }
  }
  std::int64_t secs = static_cast<std::int64_t>(timegm(&tm)) - offset_s;
  if (secs < 0) return bad_time(s);
  return static_cast<std::uint64_t>(secs) * 1000 + frac_ms;
}

Result<std::uint64_t> parse_time_arg(std::string_view text, std::uint64_t now_ms) {
  if (text.empty()) return bad_time(text);
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  if (all_digits(whole) && whole.size() <= 12 &&
      (dot == std::string_view::npos || all_digits(text.substr(dot + 1)))) {
    std::uint64_t ms = std::stoull(std::string(whole)) * 1000;
    if (dot != std::string_view::npos) {
      std::string frac(text.substr(dot + 1, 3));
      while (frac.size() < 3) frac += '0';
      ms += std::stoull(frac);
    }
    return ms;
  }
  if (text.size() >= 10 && text[4] == '-') return parse_rfc3339(text);
  auto ago = parse_duration_ms(text);
  if (!ago) return bad_time(text);
  return *ago >= now_ms ? 0 : now_ms - *ago;
}

}  // namespace shoal
