// `shoal agent --config FILE`: YAML -> flags, and flags override the file.
#include "agent/config_file.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "agent/agent_config.h"

namespace shoal {
namespace {

using Args = std::vector<std::string>;

TEST(ConfigFile, EveryKindOfValueBecomesFlags) {
  auto args = config_to_args(R"(
name: n1
bind: 10.0.0.1:7946
join: [10.0.0.2:7946, 10.0.0.3:7946]
label: {zone: a, disk: ssd}
insecure-registry:
  - reg.local:5000
require-isolation: true
memory: 2GiB
)", "agent.yaml");
  ASSERT_TRUE(args) << args.message();
  EXPECT_EQ(*args, (Args{"--name", "n1", "--bind", "10.0.0.1:7946", "--join", "10.0.0.2:7946", "--join",
                         "10.0.0.3:7946", "--label", "zone=a", "--label", "disk=ssd", "--insecure-registry",
                         "reg.local:5000", "--require-isolation", "--memory", "2GiB"}));
}

TEST(ConfigFile, TheFileGoesThroughTheAgentsFlagParser) {
  auto args = config_to_args("name: n1\nbind: 127.0.0.1:7946\nkey: abc\nprofile: wan\nlabel: [zone=b]\n", "f");
  ASSERT_TRUE(args);
  auto config = parse_agent_args(*args);
  ASSERT_TRUE(config) << config.message();
  EXPECT_EQ(config->profile, "wan");
  EXPECT_EQ(config->labels.at("zone"), "b");
  auto bad = parse_agent_args(*config_to_args("name: n1\nbind: 127.0.0.1:7946\nkey: abc\nprofle: wan\n", "f"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("--profle"), std::string::npos) << bad.message();
}

TEST(ConfigFile, FalseSwitchAndEmptyFileGiveNothing) {
  EXPECT_EQ(*config_to_args("require-isolation: false\n", "f"), Args{});
  EXPECT_EQ(*config_to_args("", "f"), Args{});
  EXPECT_EQ(*config_to_args("# only a comment\n", "f"), Args{});
}

TEST(ConfigFile, BadFilesSayWhereAndWhy) {
  struct Case {
    const char* yaml;
    const char* needle;
  };
  for (const Case& c : {Case{"- a\n- b\n", "map of flag: value"}, Case{"name: n1\nbind: [a, {b: c}]\n", "f:2"},
                        Case{"require-isolation: maybe\n", "true or false"}, Case{"name: n1\njoin:\n", "f:2: join has no value"},
                        Case{"name: {a: b}\n", "only for label"}, Case{"--name: n1\n", "not a config key"},
                        Case{"config: other.yaml\n", "not a config key"}, Case{"name: [unclosed\n", "not valid YAML"},
                        Case{"a: b\n\tc: d\n", "not valid YAML"}}) {
    auto r = config_to_args(c.yaml, "f");
    ASSERT_FALSE(r) << c.yaml;
    EXPECT_NE(r.message().find(c.needle), std::string::npos) << c.yaml << " -> " << r.message();
  }
}

TEST(ConfigFile, BoundedBeforeParsing) {
  std::string big(kMaxConfigFileBytes + 1, '#');
  auto r = config_to_args(big, "f");
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("larger than"), std::string::npos);
  // Deep nesting within the bound is an error, not a stack overflow.
  std::string deep = "name: " + std::string(kMaxConfigFileBytes / 2 - 8, '[');
  EXPECT_FALSE(config_to_args(deep, "f"));
}

TEST(ConfigFile, FlagsOverrideTheFile) {
  const Args file{"--name", "n1", "--join", "a:1", "--join", "b:1", "--require-isolation", "--profile", "wan"};
  EXPECT_EQ(merge_config_args(file, {"--join", "c:1", "--name", "n2"}),
            (Args{"--require-isolation", "--profile", "wan", "--join", "c:1", "--name", "n2"}));
  EXPECT_EQ(merge_config_args(file, {}), file);
}

// Law: merging never invents or loses a flag: every file flag the command line does not name
// survives with its value, in order, and the command line follows unchanged.
RC_GTEST_PROP(ConfigFile, MergeKeepsWhatIsNotOverridden, ()) {
  const std::vector<std::string> names{"--name", "--join", "--label", "--profile", "--cpu"};
  Args file, flags;
  for (int i = *rc::gen::inRange(0, 8); i > 0; --i)
    file.insert(file.end(), {*rc::gen::elementOf(names), "v" + std::to_string(i)});
  for (int i = *rc::gen::inRange(0, 4); i > 0; --i)
    flags.insert(flags.end(), {*rc::gen::elementOf(names), "w" + std::to_string(i)});
  Args want;
  for (std::size_t i = 0; i < file.size(); i += 2)
    if (std::find(flags.begin(), flags.end(), file[i]) == flags.end()) want.insert(want.end(), {file[i], file[i + 1]});
  want.insert(want.end(), flags.begin(), flags.end());
  RC_ASSERT(merge_config_args(file, flags) == want);
}

}  // namespace
}  // namespace shoal
