#include "cli/progress.h"

#include <nlohmann/json.hpp>

namespace shoal {

namespace {

using nlohmann::json;

// The agent's answer is small; anything larger is not a progress report.
constexpr std::size_t kMaxProgressBytes = 64 * 1024;

Status read_u64(const json& j, const char* key, std::uint64_t* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return make_error(std::string("progress has no number '") + key + "'");
  *out = it->get<std::uint64_t>();
  return {};
}

Status read_string(const json& j, const char* key, std::string* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return make_error(std::string("progress has no string '") + key + "'");
  *out = it->get<std::string>();
  return {};
}

// Returns the first failing read's error from the enclosing function.
#define PROGRESS_READ(expr)          \
  do {                               \
    if (auto s_ = (expr); !s_) return s_.error(); \
  } while (0)

}  // namespace

Result<Progress> parse_progress(const std::string& text) {
  if (text.size() > kMaxProgressBytes) return make_error("progress answer too large (" + std::to_string(text.size()) + " bytes)");
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return make_error("progress answer is not a JSON object");
  Progress p;
  PROGRESS_READ(read_string(j, "service", &p.service));
  if (auto it = j.find("removed"); it != j.end() && it->is_boolean() && it->get<bool>()) {
    p.removed = true;
    return p;
  }
  PROGRESS_READ(read_u64(j, "version", &p.version));
  PROGRESS_READ(read_u64(j, "desired", &p.desired));
  PROGRESS_READ(read_u64(j, "ready", &p.ready));
  PROGRESS_READ(read_u64(j, "pending", &p.pending));
  PROGRESS_READ(read_string(j, "phase", &p.phase));
  PROGRESS_READ(read_string(j, "message", &p.message));
  return p;
}

}  // namespace shoal
