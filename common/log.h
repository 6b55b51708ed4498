// The agent's own log: one event per line on stderr, as text for a terminal or JSON for a log
// shipper (`shoal agent --log-format text|json`), filtered by level (`--log-level`). Shells
// call it; the sans-IO cores never do (their notices come back as outputs and a shell logs them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shoal {

enum class LogLevel : std::uint8_t { kDebug, kInfo, kWarn, kError };
enum class LogFormat : std::uint8_t { kText, kJson };

const char* log_level_name(LogLevel level);  // "debug", "info", "warn", "error"
std::optional<LogLevel> parse_log_level(std::string_view name);
std::optional<LogFormat> parse_log_format(std::string_view name);

struct LogSettings {
  LogFormat format = LogFormat::kText;
  LogLevel min_level = LogLevel::kInfo;
  std::string node;  // the agent's name, a field of every JSON line
};

// Set once at start, before any thread logs.
void set_log_settings(LogSettings settings);

// Pure: one event as its line (with the newline). Text: "shoal: MESSAGE" for info, "shoal:
// warning: MESSAGE" etc. otherwise; JSON: {"time":RFC3339,"level":..,"node":..,"msg":..}.
std::string format_log_line(const LogSettings& settings, LogLevel level, std::uint64_t wall_ms,
                            std::string_view message);

// Writes one event if its level is at least the minimum; one write(2), so lines from threads do
// not interleave.
void log_event(LogLevel level, std::string_view message);
inline void log_info(std::string_view message) { log_event(LogLevel::kInfo, message); }
inline void log_warning(std::string_view message) { log_event(LogLevel::kWarn, message); }
inline void log_error(std::string_view message) { log_event(LogLevel::kError, message); }

}  // namespace shoal
