// The offline help table against the parsers the agent really uses. Service create/update: the
// table and service_flag_spec() must list the same flags. `shoal agent`: every documented flag
// must parse, with its arity. (The other agent commands are checked live by the integration
// scenario membership-cli_help: every documented flag must be known to the agent.)
#include "cli/command_help.h"

#include <gtest/gtest.h>

#include <set>

#include "agent/agent_config.h"
#include "agent/service_flags.h"

namespace shoal::cli {
namespace {

const CommandHelp& help_of(const std::string& path) {
  for (const auto& entry : command_help())
    if (entry.path == path) return entry;
  ADD_FAILURE() << "no help for " << path;
  static const CommandHelp none;
  return none;
}

TEST(CommandHelp, ServiceFlagsMatchTheAgentsFlagSpec) {
  const FlagSpec spec = service_flag_spec();
  for (const char* path : {"service create", "service update"}) {
    const auto& c = help_of(path);
    std::set<std::string> values, switches;
    for (const auto& f : c.flags) (f.value.empty() ? switches : values).insert(f.name);
    EXPECT_EQ(values, spec.with_value) << path;
    EXPECT_EQ(switches, spec.switches) << path;
  }
}

TEST(CommandHelp, EveryAgentFlagIsParsed) {
  // The flag first, then a valid command line: a flag whose arity the table gets wrong makes the
  // parser read a flag as a value or a value as a flag, and say "unknown flag".
  const std::vector<std::string> base{"--name", "a", "--bind", "127.0.0.1:7946", "--key", "x"};
  for (const auto& f : help_of("agent").flags) {
    if (f.name == "--config" || f.name == "--check-config") continue;  // the CLI's (cli/agent_config_file.h)
    std::vector<std::string> args{f.name};
    if (!f.value.empty()) args.push_back("1");
    args.insert(args.end(), base.begin(), base.end());
    auto parsed = parse_agent_args(args, "");
    if (!parsed) {
      EXPECT_EQ(parsed.message().find("unknown flag"), std::string::npos) << f.name << ": " << parsed.message();
    }
  }
  EXPECT_NE(parse_agent_args({"--bogus", "1"}, "").message().find("unknown flag"), std::string::npos);
}

TEST(CommandHelp, EveryCommandIsDocumented) {
  for (const auto& c : command_help()) {
    EXPECT_FALSE(c.summary.empty()) << c.path;
    EXPECT_EQ(c.example.rfind("shoal " + c.path.substr(0, c.path.find(' ')), 0), 0u) << c.path << ": " << c.example;
    for (const auto& f : c.flags) {
      EXPECT_EQ(f.name.rfind("--", 0), 0u) << c.path << " " << f.name;
      EXPECT_FALSE(f.text.empty()) << c.path << " " << f.name;
    }
  }
}

TEST(CommandHelp, FindsTheLongestPath) {
  EXPECT_EQ(find_command_help({"service", "create", "--name", "web", "busybox"})->path, "service create");
  EXPECT_EQ(find_command_help({"agent", "info", "--format", "json"})->path, "agent info");
  EXPECT_EQ(find_command_help({"agent", "--name", "n1"})->path, "agent");
  EXPECT_EQ(find_command_help({"agent", "--name", "info", "--help"})->path, "agent");  // a value, not a word
  EXPECT_EQ(find_command_help({"service"}), nullptr);
  EXPECT_EQ(find_command_help({"frobnicate"}), nullptr);
}

TEST(CommandHelp, HelpFlagBelongsToTheCommandNotTheTask) {
  EXPECT_TRUE(asks_for_help({"service", "create", "--help"}));
  EXPECT_TRUE(asks_for_help({"service", "create", "--name", "web", "-h"}));
  EXPECT_TRUE(asks_for_help({"members", "--help"}));
  EXPECT_TRUE(asks_for_help({"service", "--help"}));
  // After the IMAGE the words are the task's command line, as in `docker service create`.
  EXPECT_FALSE(asks_for_help({"service", "create", "--name", "web", "busybox", "ls", "--help"}));
  EXPECT_FALSE(asks_for_help({"service", "create", "--name", "web", "--", "mytool", "--help"}));
  // A value that looks like a flag is still the value.
  EXPECT_FALSE(asks_for_help({"service", "create", "--env", "--help", "busybox"}));
  EXPECT_FALSE(asks_for_help({"service", "ls"}));
}

TEST(CommandHelp, RendersFlagsDefaultsAndExample) {
  const std::string text = render_command_help(help_of("service create"));
  EXPECT_EQ(text.rfind("usage: shoal service create [OPTIONS] IMAGE", 0), 0u) << text;
  EXPECT_NE(text.find("--replicas N"), std::string::npos);
  EXPECT_NE(text.find("(default 1)"), std::string::npos);
  EXPECT_NE(text.find("--update-failure-action pause|continue|rollback"), std::string::npos);
  EXPECT_NE(text.find("--rollback-failure-action pause|continue\n"), std::string::npos);  // no rollback
  EXPECT_NE(text.find("example:\n  shoal service create"), std::string::npos);
  // `update` changes only what it names: no flag of it has a default.
  EXPECT_EQ(render_command_help(help_of("service update")).find("(default"), std::string::npos);
}

TEST(CommandHelp, GroupHelpListsTheGroupOnly) {
  const std::string text = render_group_help("service");
  EXPECT_NE(text.find("service create"), std::string::npos);
  EXPECT_NE(text.find("service logs"), std::string::npos);
  EXPECT_EQ(text.find("node ls"), std::string::npos);
  EXPECT_EQ(render_group_help("frobnicate"), "");
}

TEST(CommandHelp, ManPageHasEveryCommandAndEscapesDashes) {
  const std::string man = render_man_page("9.9.9");
  EXPECT_EQ(man.rfind(".TH SHOAL 1 ", 0), 0u);
  EXPECT_NE(man.find("\"shoal 9.9.9\""), std::string::npos);
  for (const auto& c : command_help()) EXPECT_NE(man.find(".SS \"" + c.path + "\""), std::string::npos) << c.path;
  EXPECT_NE(man.find(".B \\-\\-replicas N"), std::string::npos);
  EXPECT_EQ(man.find("\n.B --"), std::string::npos);  // unescaped '-' would render as hyphens
}

TEST(CommandHelp, CompletionKnowsCommandsAndFlags) {
  const std::string script = render_bash_completion();
  EXPECT_NE(script.find("complete -F _shoal shoal"), std::string::npos);
  EXPECT_NE(script.find("      service) words=\"create history inspect logs ls ps rm rollback scale update\""), std::string::npos);
  EXPECT_NE(script.find("      service/create) words=\"--constraint"), std::string::npos);
  EXPECT_NE(script.find("--replicas"), std::string::npos);
}

}  // namespace
}  // namespace shoal::cli
