// What every `shoal` command accepts, told offline: `shoal service create --help` answers from
// this table without an agent, as `docker service create --help` does. The same table makes the
// bash completion and the man page, so the three never disagree; tests/cli checks it against the
// flag specs the agent parses with, so help and parser cannot drift apart either.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace shoal::cli {

struct FlagHelp {
  std::string name;      // "--replicas"
  std::string value;     // "N"; empty for a switch
  std::string fallback;  // default shown as "(default 1)"; empty when there is none
  std::string text;      // one line
};

struct CommandHelp {
  std::string path;     // "service create": the words that name the command
  std::string usage;    // what follows `shoal PATH`: "[OPTIONS] IMAGE [COMMAND [ARG...]]"
  std::string summary;  // one line
  std::vector<FlagHelp> flags;
  std::string example;  // one command line a user can paste
  // Flags end at the first positional (`service create IMAGE CMD --help` passes --help to CMD),
  // as the agent's FlagSpec::stop_at_positional.
  bool flags_end_at_positional = false;
};

// Every command, in the order `shoal help` lists them.
const std::vector<CommandHelp>& command_help();

// The command that `words` name: the longest table path that is a prefix of the words that are
// not flags ("service create --name web --help" -> "service create"). Null if none matches.
const CommandHelp* find_command_help(const std::vector<std::string>& words);

// True when argv asks for help: --help or -h among the command's own flags (before `--`, and
// before the task's command where flags end at a positional). Answered offline.
bool asks_for_help(const std::vector<std::string>& argv);

std::string render_command_help(const CommandHelp& c);
// `shoal help`: one line per command.
std::string render_overview();
// `shoal service --help`: the commands of one group ("" if `group` names none).
std::string render_group_help(const std::string& group);
// `shoal completion bash`: a completion script; service and node names come from the running
// agent (`shoal service ls --format json`), everything else from this table.
std::string render_bash_completion();
// `shoal help --man`: the man page shoal(1), troff, from the same table.
std::string render_man_page(std::string_view version);

}  // namespace shoal::cli
