// `shoal agent --config FILE`: the agent's flags as a YAML map, for a system service. Every flag
// has a key: its name without "--" (`bind: 10.0.0.1:7946`, `join: [10.0.0.2:7946]`,
// `label: {zone: a}`, `require-isolation: true`). The file becomes flags and goes through the
// one flag parser (parse_agent_args), so the two cannot accept different things; flags given
// on the command line override the file's.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shoal {

// A config of every flag is ~2 KiB; the bound is checked before the YAML parser sees a byte.
inline constexpr std::size_t kMaxConfigFileBytes = 64 * 1024;

// Pure: the YAML text -> the flags it stands for ("name: n1" -> {"--name", "n1"}). `shown`
// names the file in errors, with the line of the offending key.
Result<std::vector<std::string>> config_to_args(std::string_view yaml, const std::string& shown);

// The file's flags, then the command line's; a flag named on the command line drops every value
// the file gave it (all of them for a repeatable flag such as --join), so flags override.
std::vector<std::string> merge_config_args(const std::vector<std::string>& from_file,
                                           const std::vector<std::string>& flags);

}  // namespace shoal
