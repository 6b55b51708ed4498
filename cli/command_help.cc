// Renders the command table (cli/command_table.cc) as help text, bash completion and troff.
#include "cli/command_help.h"

#include <algorithm>
#include <set>

namespace shoal::cli {

namespace {

// The words before the first flag or `--`: the command path plus positionals.
std::vector<std::string> leading_words(const std::vector<std::string>& argv) {
  std::vector<std::string> words;
  for (const auto& a : argv) {
    if (a == "--") break;
    if (!a.empty() && a[0] == '-') continue;
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

// troff escapes: a leading '.' or '\'' would be a request, '\' starts an escape, '-' is a hyphen.
std::string troff(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '\\') out += "\\e";
    else if (ch == '-') out += "\\-";
    else out += ch;
  }
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
  // Words that may follow each command prefix: "" -> top-level words, "service" -> its verbs.
  std::set<std::string> top;
  std::string group_cases, flag_cases;
  std::set<std::string> groups;
  for (const auto& c : command_help()) {
    auto path = split_path(c.path);
    top.insert(path[0]);
    if (path.size() > 1) groups.insert(path[0]);
  }
  for (const auto& g : groups) {
    std::set<std::string> verbs;
    for (const auto* c : commands_under(g)) verbs.insert(split_path(c->path)[1]);
    group_cases += "    \"" + g + "\") words=\"" + shell_words(verbs) + "\" ;;\n";
  }
  for (const auto& c : command_help()) {
    std::set<std::string> flags{"--help"};
    for (const auto& f : c.flags) flags.insert(f.name);
    flag_cases += "    \"" + c.path + " -\") words=\"" + shell_words(flags) + "\" ;;\n";
  }
  return "# bash completion for shoal, made by `shoal completion bash` from the command table.\n"
         "_shoal() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} path=\"\" w words=\"\" i\n"
         "  # The command path: the words before the cursor that are not flags or flag values.\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    w=${COMP_WORDS[i]}\n"
         "    [[ $w == -* ]] && continue\n"
         "    case \"$path\" in *\" \"*) break ;; esac\n"
         "    path=${path:+$path }$w\n"
         "  done\n"
         "  if [[ $cur == -* ]]; then\n"
         "    case \"$path -\" in\n" + flag_cases +
         "    esac\n"
         "  else\n"
         "    case \"$path\" in\n"
         "    \"\") words=\"" + shell_words(top) + "\" ;;\n" + group_cases +
         "    \"service update\"|\"service inspect\"|\"service ps\"|\"service rm\"|\"service logs\"|\"service rollback\")\n"
         "      words=$(shoal service ls --format json 2>/dev/null | grep -o '\"name\": *\"[^\"]*\"' | sed 's/.*\"\\([^\"]*\\)\"$/\\1/') ;;\n"
         "    \"node update\")\n"
         "      words=$(shoal node ls --format json 2>/dev/null | grep -o '\"name\": *\"[^\"]*\"' | sed 's/.*\"\\([^\"]*\\)\"$/\\1/') ;;\n"
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
    out += ".SS \"" + troff(c.path) + "\"\n.B shoal " + troff(c.path) + "\n" + troff(c.usage) + "\n.PP\n" +
           troff(c.summary) + "\n";
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
