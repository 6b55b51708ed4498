// A small flag parser for API verbs: `--name value`, `--name=value`, repeatable flags,
// boolean switches, positionals, and `--` (everything after it is positional, for commands).
// Unknown flags are errors that name the command, so `shoal service create --replica 3` says
// exactly what is wrong.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace shoal {

struct ParsedFlags {
  std::map<std::string, std::vector<std::string>> values;  // flag -> every value given
  std::set<std::string> switches;
  std::vector<std::string> positional;
  std::vector<std::string> after_dashdash;
  bool has_dashdash = false;

  bool has(const std::string& flag) const { return values.count(flag) || switches.count(flag); }
  // Last value of a flag, or `fallback`.
  std::string get(const std::string& flag, const std::string& fallback = "") const;
  const std::vector<std::string>& all(const std::string& flag) const;
};

struct FlagSpec {
  std::set<std::string> with_value;  // e.g. "--format"
  std::set<std::string> switches;    // e.g. "--detach"
  // Flags end at the first positional, which starts the positionals (docker's `service create
  // [OPTIONS] IMAGE [COMMAND] [ARG...]`): the command's own `--flags` are its, not ours.
  bool stop_at_positional = false;
};

Result<ParsedFlags> parse_flags(const std::string& command, const std::vector<std::string>& args,
                                const FlagSpec& spec);

}  // namespace shoal
