#include "common/log.h"

#include <unistd.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "common/rfc3339.h"

namespace shoal {

namespace {

LogSettings g_settings;  // written once by set_log_settings before threads start

}  // namespace

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError})
    if (name == log_level_name(l)) return l;
  return std::nullopt;
}

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

void set_log_settings(LogSettings settings) { g_settings = std::move(settings); }

std::string format_log_line(const LogSettings& settings, LogLevel level, std::uint64_t wall_ms,
                            std::string_view message) {
  if (settings.format == LogFormat::kJson) {
    nlohmann::ordered_json j = {{"time", rfc3339(wall_ms)}, {"level", log_level_name(level)}};
    if (!settings.node.empty()) j["node"] = settings.node;
    j["msg"] = std::string(message);
    // Messages carry bytes from peers and tasks; invalid UTF-8 becomes U+FFFD, never a bad line.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  std::string line = "shoal: ";
  if (level == LogLevel::kWarn) line += "warning: ";
  else if (level != LogLevel::kInfo) line += std::string(log_level_name(level)) + ": ";
  line += message;
  // One event, one line: a message with newlines (a peer's error text) stays on its line.
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  return line + "\n";
}

void log_event(LogLevel level, std::string_view message) {
  if (level < g_settings.min_level) return;
  const auto wall_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                      std::chrono::system_clock::now().time_since_epoch())
                                                      .count());
  const std::string line = format_log_line(g_settings, level, wall_ms, message);
  // stderr is unbuffered; one write keeps the line whole. A failed write has nowhere to go.
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace shoal
