// Bounds on untrusted JSON (manifests, configs, archive metadata) checked before it is parsed
// into a tree, and small typed getters that return errors instead of throwing. A manifest from
// a registry or a file from an archive is attacker-controlled: size, nesting, element counts
// and string lengths are all capped so a hostile document costs bounded memory and time.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shoal::image {

struct JsonLimits {
  // Largest document. Real manifests are a few KiB; image configs with long histories reach
  // ~100 KiB. 4 MiB is what containerd and Distribution allow for manifests.
  std::size_t max_bytes = 4u << 20;
  // Deepest nesting. Manifests and configs nest 4-5 levels; 32 leaves room for annotations
  // and keeps recursion in any consumer shallow.
  std::size_t max_depth = 32;
  // Most members of one object or elements of one array (layers, env entries, history).
  std::size_t max_elements = 10'000;
  // Longest string (key or value): an Env entry or a label value can be long, not megabytes.
  std::size_t max_string_bytes = 64u << 10;
};

// Checks the bounds with a streaming pass (no tree built), then parses. `what` names the
// document in errors ("manifest sha256:...", "archive manifest.json").
Result<nlohmann::json> parse_bounded_json(std::string_view text, std::string_view what,
                                          const JsonLimits& limits = {});

// Typed access. `field` names the member in errors. A missing optional member yields the
// default; a member of the wrong type is always an error.
Result<std::string> json_string(const nlohmann::json& obj, const char* field, bool required);
Result<std::uint64_t> json_uint(const nlohmann::json& obj, const char* field, bool required);
Result<std::int64_t> json_int(const nlohmann::json& obj, const char* field, bool required);
// An array of strings; null and missing both give an empty vector.
Result<std::vector<std::string>> json_strings(const nlohmann::json& obj, const char* field);
// The member if it is an object, nullptr if missing or null; an error if another type.
Result<const nlohmann::json*> json_object(const nlohmann::json& obj, const char* field);
Result<const nlohmann::json*> json_array(const nlohmann::json& obj, const char* field);

}  // namespace shoal::image
