#include "agent/agent_config.h"

#include <gtest/gtest.h>

namespace shoal {

TEST(AgentConfig, ParsesAndDefaults) {
  auto c = parse_agent_args({"--name", "n1", "--bind", "127.0.0.1:7946", "--key", "k", "--label", "zone=a",
                             "--memory", "1G", "--join", "127.0.0.1:7947"});
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->advertise, "127.0.0.1:7946");
  EXPECT_EQ(c->labels.at("zone"), "a");
  EXPECT_EQ(c->memory_bytes, 1u << 30);
  EXPECT_EQ(c->data_dir, "/var/lib/shoal/n1");
  EXPECT_EQ(c->api, kDefaultApiAddress);
  EXPECT_FALSE(c->require_isolation);
  auto strict = parse_agent_args({"--name", "n1", "--bind", "127.0.0.1:1", "--key", "k", "--require-isolation"});
  ASSERT_TRUE(strict.ok()) << strict.message();
  EXPECT_TRUE(strict->require_isolation);
}

TEST(AgentConfig, ClearErrors) {
  EXPECT_NE(parse_agent_args({"--bind", "127.0.0.1:1", "--key", "k"}).message().find("--name"), std::string::npos);
  EXPECT_NE(parse_agent_args({"--name", "a", "--bind", "x", "--key", "k"}).message().find("IP:PORT"), std::string::npos);
  EXPECT_NE(parse_agent_args({"--name", "a", "--bind", "127.0.0.1:1"}).message().find("keygen"), std::string::npos);
  EXPECT_NE(parse_agent_args({"--name", "a", "--bind", "127.0.0.1:1", "--key", "k", "--api", "127.0.0.1:9"})
                .message().find("--api-token-file"), std::string::npos);
  EXPECT_NE(parse_agent_args({"--name", "a", "--bind", "127.0.0.1:1", "--key", "k", "--profile", "moon"})
                .message().find("lan, wan, local"), std::string::npos);
  EXPECT_FALSE(parse_agent_args({"--name", "a", "--bind", "127.0.0.1:70000", "--key", "k"}).ok());
  EXPECT_FALSE(parse_agent_args({"--frob", "1"}).ok());
}

TEST(AgentConfig, MetricsAddrIsOffByDefaultAndMustBeIpPort) {
  auto off = parse_agent_args({"--name", "a", "--bind", "127.0.0.1:1", "--key", "k"});
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->metrics_addr, "");
  auto on = parse_agent_args({"--name", "a", "--bind", "127.0.0.1:1", "--key", "k", "--metrics-addr", "127.0.0.1:9946"});
  ASSERT_TRUE(on.ok()) << on.message();
  EXPECT_EQ(on->metrics_addr, "127.0.0.1:9946");
  EXPECT_NE(parse_agent_args({"--name", "a", "--bind", "127.0.0.1:1", "--key", "k", "--metrics-addr", "9946"})
                .message().find("--metrics-addr"), std::string::npos);
}

TEST(AgentConfig, ApiKinds) {
  EXPECT_TRUE(api_is_tcp("127.0.0.1:9000"));
  EXPECT_FALSE(api_is_tcp("/run/shoal/agent.sock"));
  EXPECT_FALSE(api_is_tcp("./agent.sock"));
}

}  // namespace shoal

namespace shoal {
namespace {

TEST(AgentConfigKey, KeyFromFileEnvOrFlagButNotSeveral) {
  const std::vector<std::string> base = {"--name", "n1", "--bind", "127.0.0.1:7946"};
  auto with = [&](std::vector<std::string> extra) {
    auto args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  auto from_env = parse_agent_args(base, "ENVKEY");
  ASSERT_TRUE(from_env.ok()) << from_env.message();
  EXPECT_EQ(from_env->key_b64, "ENVKEY");
  auto from_file = parse_agent_args(with({"--key-file", "/etc/shoal/key"}), "ENVKEY");
  ASSERT_TRUE(from_file.ok());
  EXPECT_EQ(from_file->key_file, "/etc/shoal/key");
  EXPECT_EQ(from_file->key_b64, "");  // the flag wins over the environment; the CLI reads the file
  EXPECT_FALSE(parse_agent_args(with({"--key-file", "f", "--key", "k"})).ok());
  auto none = parse_agent_args(base);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.message().find("--key-file"), std::string::npos) << none.message();
}

TEST(AgentConfigLogs, LogLimitsFromFlags) {
  auto c = parse_agent_args({"--name", "n1", "--bind", "127.0.0.1:1", "--key", "k", "--log-max-size", "1MiB",
                             "--log-max-files", "5"});
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->log_limits.max_bytes, 1u << 20);
  EXPECT_EQ(c->log_limits.max_files, 5u);
  EXPECT_FALSE(parse_agent_args({"--name", "n1", "--bind", "127.0.0.1:1", "--key", "k", "--log-max-files", "0"}).ok());
  EXPECT_FALSE(parse_agent_args({"--name", "n1", "--bind", "127.0.0.1:1", "--key", "k", "--log-max-size", "10"}).ok());
}

}  // namespace
}  // namespace shoal

namespace shoal {
namespace {

TEST(AgentConfig, RegistryFlags) {
  auto c = parse_agent_args({"--name", "n1", "--bind", "127.0.0.1:1", "--key", "k", "--registry-mirror",
                             "127.0.0.1:5000", "--registry-auth-file", "/etc/shoal/auth.json",
                             "--insecure-registry", "127.0.0.1:5000", "--insecure-registry", "r.lan"});
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->registry_mirror, "127.0.0.1:5000");
  EXPECT_EQ(c->registry_auth_file, "/etc/shoal/auth.json");
  EXPECT_EQ(c->insecure_registries, (std::vector<std::string>{"127.0.0.1:5000", "r.lan"}));
  auto none = parse_agent_args({"--name", "n1", "--bind", "127.0.0.1:1", "--key", "k"});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->registry_mirror.empty());  // no internet default
  auto bad = parse_agent_args({"--name", "n1", "--bind", "127.0.0.1:1", "--key", "k", "--registry-mirror", "a b"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("--registry-mirror"), std::string::npos) << bad.message();
  auto bad2 = parse_agent_args({"--name", "n1", "--bind", "127.0.0.1:1", "--key", "k", "--insecure-registry", "x:99999"});
  ASSERT_FALSE(bad2.ok());
  EXPECT_NE(bad2.message().find("--insecure-registry"), std::string::npos) << bad2.message();
}

}  // namespace
}  // namespace shoal

namespace shoal {

TEST(AgentConfigDockerApi, UnixOrTcpWithToken) {
  auto base = std::vector<std::string>{"--name", "n1", "--bind", "127.0.0.1:1", "--key", "k"};
  auto with = [&](std::vector<std::string> more) {
    auto args = base;
    args.insert(args.end(), more.begin(), more.end());
    return parse_agent_args(args);
  };
  auto off = with({});
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->docker_api, "");  // opt-in
  auto unix_sock = with({"--docker-api", "unix:///run/shoal/docker.sock"});
  ASSERT_TRUE(unix_sock.ok()) << unix_sock.message();
  EXPECT_EQ(unix_sock->docker_api, "unix:///run/shoal/docker.sock");
  EXPECT_NE(with({"--docker-api", "tcp://127.0.0.1:2375"}).message().find("--api-token-file"), std::string::npos);
  EXPECT_TRUE(with({"--docker-api", "tcp://127.0.0.1:2375", "--api-token-file", "/t"}).ok());
  EXPECT_NE(with({"--docker-api", "/run/docker.sock"}).message().find("unix:///PATH"), std::string::npos);
}

}  // namespace shoal
