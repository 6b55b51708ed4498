// Renders the command table (cli/command_table.cc) as help text, bash completion and troff.
#include "cli/command_help.h"

#include <algorithm>
#include <set>

namespace shoal::cli {

namespace {

// The words before the first flag: a command's path comes first (`shoal agent --name info`
// is `agent`, not `agent info`).
std::vector<std::string> leading_words(const std::vector<std::string>& argv) {
  std::vector<std::string> words;
  for (const auto& a : argv) {
    if (a.empty() || a[0] == '-') break;
    words.push_back(a);
  }
  return words;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(' ', start);
    if (end == std::string::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string flag_column(const FlagHelp& f) { return f.value.empty() ? f.name : f.name + " " + f.value; }

// Commands whose path begins with `prefix` (one word, e.g. "service"), for `shoal service --help`.
std::vector<const CommandHelp*> commands_under(const std::string& prefix) {
  std::vector<const CommandHelp*> out;
  for (const auto& c : command_help())
    if (c.path.rfind(prefix + " ", 0) == 0) out.push_back(&c);
  return out;
}

std::string overview_lines(const std::vector<const CommandHelp*>& commands) {
  std::size_t width = 0;
  for (const auto* c : commands) width = std::max(width, c->path.size());
  std::string out;
  for (const auto* c : commands) out += "  " + c->path + std::string(width - c->path.size() + 2, ' ') + c->summary + "\n";
  return out;
}

// troff escapes: a leading '.' or '\'' would be a request, '\' starts an escape, '-' is a hyphen;
// `code` in the help text is set in bold.
std::string troff(const std::string& text) {
  std::string out;
  bool code = false;
  for (char ch : text) {
    if (ch == '\\') out += "\\e";
    else if (ch == '-') out += "\\-";
    else if (ch == '`') out += (code = !code) ? "\\fB" : "\\fR";
    else out += ch;
  }
  if (code) out += "\\fR";
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

std::string shell_words(const std::set<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace

const CommandHelp* find_command_help(const std::vector<std::string>& words_in) {
  const auto words = leading_words(words_in);
  const CommandHelp* best = nullptr;
  std::size_t best_len = 0;
  for (const auto& c : command_help()) {
    const auto path = split_path(c.path);
    if (path.size() > words.size() || path.size() <= best_len) continue;
    if (std::equal(path.begin(), path.end(), words.begin())) {
      best = &c;
      best_len = path.size();
    }
  }
  return best;
}

bool asks_for_help(const std::vector<std::string>& argv) {
  const CommandHelp* c = find_command_help(argv);
  std::size_t path_words = c ? split_path(c->path).size() : 0;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--") return false;
    if (a == "--help" || a == "-h") return true;
    if (a.empty() || a[0] != '-') {
      if (path_words > 0) --path_words;
      else if (c != nullptr && c->flags_end_at_positional) return false;  // the task's command line starts here
      continue;
    }
    if (c == nullptr || a.find('=') != std::string::npos) continue;
    auto f = std::find_if(c->flags.begin(), c->flags.end(), [&](const FlagHelp& h) { return h.name == a; });
    if (f != c->flags.end() && !f->value.empty()) ++i;  // its value, even one that starts with '-'
  }
  return false;
}

std::string render_command_help(const CommandHelp& c) {
  std::string out = "usage: shoal " + c.path + (c.usage.empty() ? "" : " " + c.usage) + "\n\n" + c.summary + "\n";
  if (!c.flags.empty()) {
    // Texts start in one column; a flag wider than kMaxColumn puts its text on the next line.
    constexpr std::size_t kMaxColumn = 30;
    std::size_t width = 0;
    for (const auto& f : c.flags) width = std::max(width, std::min(flag_column(f).size(), kMaxColumn));
    out += "\noptions:\n";
    for (const auto& f : c.flags) {
      const auto col = flag_column(f);
      out += "  " + col + (col.size() > width ? "\n" + std::string(width + 4, ' ') : std::string(width - col.size() + 2, ' ')) + f.text;
      if (!f.fallback.empty()) out += " (default " + f.fallback + ")";
      out += "\n";
    }
  }
  if (!c.example.empty()) out += "\nexample:\n  " + c.example + "\n";
  return out;
}

std::string render_overview() {
  std::vector<const CommandHelp*> all;
  for (const auto& c : command_help()) all.push_back(&c);
  return "usage: shoal COMMAND [ARGS] [--api ADDR]\n\ncommands:\n" + overview_lines(all) +
         "\n`shoal COMMAND --help` tells a command's options, offline.\n"
         "The agent is found at --api ADDR, else $SHOAL_API, else /run/shoal/agent.sock;\n"
         "a TCP --api needs the token in $SHOAL_TOKEN.\n";
}

// `shoal service --help`: a group word alone lists the group's commands.
std::string render_group_help(const std::string& group) {
  auto commands = commands_under(group);
  if (commands.empty()) return "";
  return "usage: shoal " + group + " COMMAND [ARGS]\n\ncommands:\n" + overview_lines(commands) +
         "\n`shoal " + group + " COMMAND --help` tells a command's options.\n";
}

std::string render_bash_completion() {
  // Paths as words ("service/create"), groups included, so the script can tell how far the
  // typed words name a command; flags that take a value, so their values are skipped.
  std::set<std::string> paths, top, value_flags{"--api"}, service_commands, node_commands;
  std::string group_cases, flag_cases;
  std::set<std::string> groups;
  for (const auto& c : command_help()) {
    auto path = split_path(c.path);
    std::string joined;
    for (const auto& w : path) {
      joined += (joined.empty() ? "" : "/") + w;
      paths.insert(joined);
    }
    top.insert(path[0]);
    if (path.size() > 1) groups.insert(path[0]);
    std::set<std::string> flags{"--help"};
    for (const auto& f : c.flags) {
      flags.insert(f.name);
      if (!f.value.empty()) value_flags.insert(f.name);
    }
    flag_cases += "      " + joined + ") words=\"" + shell_words(flags) + "\" ;;\n";
    if (c.usage.find("SERVICE") != std::string::npos) service_commands.insert(joined);
    if (c.usage.find("NODE") != std::string::npos) node_commands.insert(joined);
  }
  for (const auto& g : groups) {
    std::set<std::string> verbs;
    for (const auto* c : commands_under(g)) verbs.insert(split_path(c->path)[1]);
    group_cases += "      " + g + ") words=\"" + shell_words(verbs) + "\" ;;\n";
  }
  auto alternatives = [](const std::set<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : "|") + w;
    return out;
  };
  // Names come from the agent the line names (--api), as JSON: "name":"web".
  const std::string names =
      "\"${COMP_WORDS[0]}\" ${api:+--api \"$api\"} %s --format json 2>/dev/null | "
      "grep -o '\"name\": *\"[^\"]*\"' | sed 's/.*\"\\([^\"]*\\)\"$/\\1/'";
  auto names_of = [&](const std::string& command) {
    std::string out = names;
    out.replace(out.find("%s"), 2, command);
    return out;
  };
  return "# bash completion for shoal, made by `shoal completion bash` from its command table.\n"
         "_shoal() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} path=\"\" api=\"\" w i done=0 words=\"\"\n"
         "  local paths=\" " + shell_words(paths) + " \" value_flags=\" " + shell_words(value_flags) + " \"\n"
         "  # The command path: the leading words that name a command; flag values are skipped.\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    w=${COMP_WORDS[i]}\n"
         "    if [[ $w == --api ]]; then api=${COMP_WORDS[i+1]}; ((i++)); continue; fi\n"
         "    if [[ $w == -* ]]; then\n"
         "      [[ $w != *=* && $value_flags == *\" $w \"* ]] && ((i++))\n"
         "      continue\n"
         "    fi\n"
         "    if ((!done)) && [[ $paths == *\" ${path:+$path/}$w \"* ]]; then path=${path:+$path/}$w; else done=1; fi\n"
         "  done\n"
         "  if [[ $value_flags == *\" $prev \"* ]]; then\n"
         "    COMPREPLY=()  # a flag's value: nothing to offer\n"
         "    return\n"
         "  fi\n"
         "  if [[ $cur == -* ]]; then\n"
         "    case \"$path\" in\n" + flag_cases +
         "      \"\") words=\"--api --help --version\" ;;\n"
         "    esac\n"
         "  elif ((!done)); then\n"
         "    case \"$path\" in\n"
         "      \"\") words=\"" + shell_words(top) + "\" ;;\n" + group_cases +
         "      " + alternatives(service_commands) + ") words=$(" + names_of("service ls") + ") ;;\n"
         "      " + alternatives(node_commands) + ") words=$(" + names_of("node ls") + ") ;;\n"
         "    esac\n"
         "  fi\n"
         "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "}\n"
         "complete -F _shoal shoal\n";
}

std::string render_man_page(std::string_view version) {
  std::string out = ".TH SHOAL 1 \"\" \"shoal " + std::string(version) + "\" \"User Commands\"\n" +
                    ".SH NAME\nshoal \\- masterless container orchestrator: agent and client\n"
                    ".SH SYNOPSIS\n.B shoal\n.I COMMAND\n[\\fIARGS\\fR] [\\fB\\-\\-api\\fR \\fIADDR\\fR]\n"
                    ".SH DESCRIPTION\nEvery node runs \\fBshoal agent\\fR. Nodes find each other over SWIM gossip, "
                    "hold the desired state as CRDTs that any node accepts and that merge when a partition heals, "
                    "and place tasks deterministically, so no node is a master. The other commands ask the local "
                    "agent, found at \\fB\\-\\-api\\fR, else \\fB$SHOAL_API\\fR, else /run/shoal/agent.sock.\n"
                    ".SH COMMANDS\n";
  for (const auto& c : command_help()) {
    out += ".SS \"" + troff(c.path) + "\"\n.B shoal " + troff(c.path) + "\n" +
           (c.usage.empty() ? "" : troff(c.usage) + "\n") + ".PP\n" + troff(c.summary) + "\n";
    for (const auto& f : c.flags) {
      out += ".TP\n.B " + troff(flag_column(f)) + "\n" + troff(f.text);
      if (!f.fallback.empty()) out += " (default " + troff(f.fallback) + ")";
      out += "\n";
    }
    if (!c.example.empty()) out += ".PP\nExample:\n.nf\n" + troff(c.example) + "\n.fi\n";
  }
  out += ".SH ENVIRONMENT\n.TP\n.B SHOAL_API\nthe agent's API address\n.TP\n.B SHOAL_TOKEN\n"
         "the API token for a TCP address\n.TP\n.B SHOAL_KEY\nthe cluster key, for \\fBshoal agent\\fR\n"
         ".SH SEE ALSO\n\\fBdocker-service-create\\fR(1), the project's README and docs/\n";
  return out;
}

}  // namespace shoal::cli
