#include "agent/docker_request.h"

#include <gtest/gtest.h>

namespace shoal {

TEST(DockerRequest, VersionPrefixIsStrippedAndQueryDecoded) {
  auto t = parse_docker_target("/v1.41/services?filters=%7B%22name%22%3A%7B%22web%22%3Atrue%7D%7D&status=true");
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ(t->path, "/services");
  EXPECT_EQ(t->version, "1.41");
  EXPECT_EQ(t->query.at("filters"), R"({"name":{"web":true}})");
  EXPECT_TRUE(query_bool(*t, "status"));
  EXPECT_FALSE(query_bool(*t, "insertDefaults"));
  t = parse_docker_target("/_ping");
  EXPECT_EQ(t->path, "/_ping");
  EXPECT_EQ(t->version, "");
  t = parse_docker_target("/volumes");  // "/v" + not a version: left alone
  EXPECT_EQ(t->path, "/volumes");
  t = parse_docker_target("/v1.50/nodes/n2/update?version=7");
  EXPECT_EQ(t->path, "/nodes/n2/update");
  EXPECT_EQ(t->query.at("version"), "7");
  EXPECT_FALSE(parse_docker_target("/services?x=%4").ok());
  EXPECT_FALSE(parse_docker_target("/services?x=%zz").ok());
  EXPECT_EQ(path_segments("/services/web/update"), (std::vector<std::string>{"services", "web", "update"}));
}

TEST(DockerRequest, FiltersInBothSpellings) {
  auto f = parse_docker_filters(R"({"name":{"web":true,"db":false},"id":["ab"]})", {"name", "id"});
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_EQ(f->at("name"), std::vector<std::string>{"web"});
  EXPECT_EQ(f->at("id"), std::vector<std::string>{"ab"});
  EXPECT_TRUE(filter_accepts(*f, "id", "abcdef", true));
  EXPECT_FALSE(filter_accepts(*f, "id", "abcdef", false));
  EXPECT_TRUE(filter_accepts(*f, "node", "anything"));
  auto bad = parse_docker_filters(R"({"colour":{"red":true}})", {"name"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("invalid filter 'colour'"), std::string::npos);
  EXPECT_FALSE(parse_docker_filters("not json", {"name"}).ok());
  EXPECT_FALSE(parse_docker_filters(R"({"name":5})", {"name"}).ok());
}

TEST(DockerRequest, ListenAddresses) {
  auto u = parse_docker_api_address("unix:///run/shoal/docker.sock");
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->tcp);
  EXPECT_EQ(u->path, "/run/shoal/docker.sock");
  auto t = parse_docker_api_address("tcp://127.0.0.1:2375");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->tcp);
  EXPECT_EQ(t->port, 2375);
  EXPECT_FALSE(parse_docker_api_address("unix://relative.sock").ok());
  EXPECT_FALSE(parse_docker_api_address("tcp://127.0.0.1").ok());
  EXPECT_FALSE(parse_docker_api_address("tcp://127.0.0.1:99999").ok());
  EXPECT_FALSE(parse_docker_api_address("/run/shoal/docker.sock").ok());
}

}  // namespace shoal
