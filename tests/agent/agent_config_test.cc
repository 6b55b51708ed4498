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

TEST(AgentConfig, ApiKinds) {
  EXPECT_TRUE(api_is_tcp("127.0.0.1:9000"));
  EXPECT_FALSE(api_is_tcp("/run/shoal/agent.sock"));
  EXPECT_FALSE(api_is_tcp("./agent.sock"));
}

}  // namespace shoal
