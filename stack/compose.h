// Compose files (the Compose Specification as `docker stack deploy` reads it) -> the flags of
// `shoal service create`, one list per service. Pure: the caller reads the file and gives the
// variables for interpolation. The flags then go through the one flag parser the CLI uses
// (agent/service_flags.h), so a stack and `service create` cannot mean different things.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shoal::stack {

// A stack's services carry this label (as Swarm's) with the stack's name.
inline constexpr const char* kNamespaceLabel = "com.docker.stack.namespace";
// Compose files are short; the bound is checked before the YAML parser sees a byte.
inline constexpr std::size_t kMaxComposeFileBytes = 1 << 20;

struct ComposeService {
  // STACK-SERVICE. Swarm names them STACK_SERVICE; shoal's service names are DNS labels
  // (a-z, 0-9, '-'), so the separator is '-' (docs/design-notes.md).
  std::string name;
  std::vector<std::string> args;  // `service create` flags, then IMAGE [COMMAND [ARG...]]
};

struct ComposeStack {
  std::vector<ComposeService> services;  // in name order
  std::vector<std::string> ignored;      // keys shoal cannot honour ("services.web.build"), sorted
};

using Variables = std::map<std::string, std::string>;

// `shown` names the file in errors (with the line of the key at fault).
Result<ComposeStack> parse_compose(std::string_view yaml, const std::string& stack, const Variables& vars,
                                   const std::string& shown);

// Compose interpolation: $VAR, ${VAR}, ${VAR:-default} (unset or empty), ${VAR-default}
// (unset), ${VAR:?message} / ${VAR?message} (an error), $$ (a literal $). Unset without a
// default is "", as compose does.
Result<std::string> interpolate(std::string_view text, const Variables& vars);

// A `.env` file: KEY=VALUE lines; blank lines and # comments skipped; quotes around a value
// removed.
Variables parse_env_file(std::string_view text);

}  // namespace shoal::stack
