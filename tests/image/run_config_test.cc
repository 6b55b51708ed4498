#include "image/run_config.h"

#include <gtest/gtest.h>

namespace shoal::image {
namespace {

using Strings = std::vector<std::string>;

ImageConfig nginx_like() {
  ImageConfig c;
  c.entrypoint = {"/docker-entrypoint.sh"};
  c.cmd = {"nginx", "-g", "daemon off;"};
  c.env = {"PATH=/usr/sbin:/usr/bin", "NGINX_VERSION=1.25"};
  c.working_dir = "/srv";
  c.user = "nginx";
  c.stop_signal = "SIGQUIT";
  return c;
}

TEST(RunConfig, ImageDefaultsWhenNothingIsOverridden) {
  auto r = run_config(nginx_like(), {}, "nginx");
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->argv, (Strings{"/docker-entrypoint.sh", "nginx", "-g", "daemon off;"}));
  EXPECT_EQ(r->env, (Strings{"PATH=/usr/sbin:/usr/bin", "NGINX_VERSION=1.25"}));
  EXPECT_EQ(r->workdir, "/srv");
  EXPECT_EQ(r->user, "nginx");
  EXPECT_EQ(r->stop_signal, "SIGQUIT");
}

TEST(RunConfig, CommandReplacesCmdAndKeepsEntrypoint) {
  RunOverrides o;
  o.cmd = {"nginx", "-T"};
  EXPECT_EQ(run_config(nginx_like(), o, "nginx")->argv, (Strings{"/docker-entrypoint.sh", "nginx", "-T"}));
}

TEST(RunConfig, EntrypointOverrideDropsTheImagesCmd) {
  RunOverrides o;
  o.entrypoint = {"/bin/sh"};
  EXPECT_EQ(run_config(nginx_like(), o, "nginx")->argv, (Strings{"/bin/sh"}));
  o.cmd = {"-c", "echo hi"};
  EXPECT_EQ(run_config(nginx_like(), o, "nginx")->argv, (Strings{"/bin/sh", "-c", "echo hi"}));
}

TEST(RunConfig, EnvOverridesReplaceInPlaceAndNewOnesFollow) {
  RunOverrides o;
  o.env = {{"NGINX_VERSION", "2"}, {"A", "1"}};
  EXPECT_EQ(run_config(nginx_like(), o, "nginx")->env, (Strings{"PATH=/usr/sbin:/usr/bin", "NGINX_VERSION=2", "A=1"}));
}

TEST(RunConfig, WorkdirAndUserOverrides) {
  RunOverrides o;
  o.workdir = "/tmp";
  o.user = "0";
  auto r = run_config(nginx_like(), o, "nginx");
  EXPECT_EQ(r->workdir, "/tmp");
  EXPECT_EQ(r->user, "0");
  ImageConfig bare;
  bare.cmd = {"sh"};
  EXPECT_EQ(run_config(bare, {}, "bare")->workdir, "/") << "Docker's default";
  o.workdir = "relative";
  EXPECT_FALSE(run_config(nginx_like(), o, "nginx").ok());
}

TEST(RunConfig, NothingToRunIsAnErrorNamingTheImage) {
  auto r = run_config(ImageConfig{}, {}, "r:5000/empty:1");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("r:5000/empty:1"), std::string::npos) << r.message();
  RunOverrides o;
  o.cmd = {"/bin/true"};
  EXPECT_TRUE(run_config(ImageConfig{}, o, "x").ok());
}

TEST(RunConfig, HealthcheckKeptUnlessDisabled) {
  ImageConfig c = nginx_like();
  c.healthcheck = HealthConfig{{"CMD-SHELL", "true"}, 1000, 1000, 0, 3};
  EXPECT_TRUE(run_config(c, {}, "x")->healthcheck.has_value());
  c.healthcheck->test = {"NONE"};
  EXPECT_FALSE(run_config(c, {}, "x")->healthcheck.has_value());
}

}  // namespace
}  // namespace shoal::image
