#include "agent/service_flags.h"

#include <gtest/gtest.h>

namespace shoal {

Result<crdt::ServiceSpec> apply(std::vector<std::string> args, crdt::ServiceSpec base = {}, bool creating = true) {
  auto f = parse_flags("service create", args, service_flag_spec());
  if (!f) return f.error();
  return apply_service_flags(base, *f, creating);
}

TEST(ServiceFlags, OnPartitionAndIsolationTimeout) {
  auto s = apply({"--on-partition", "majority", "--isolation-timeout", "4s", "--", "db"});
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->partition.on_partition, OnPartition::kMajority);
  EXPECT_EQ(s->partition.isolation_timeout_ms, 4000u);
  auto pinned = apply({"--on-partition", "pinned"}, *s, false);
  ASSERT_TRUE(pinned.ok()) << pinned.message();
  EXPECT_EQ(pinned->partition.on_partition, OnPartition::kPinned);
  EXPECT_EQ(pinned->partition.isolation_timeout_ms, 4000u) << "update changes only what it names";
  auto bad = apply({"--on-partition", "quorum", "--", "db"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "--on-partition: 'quorum' is not duplicate, majority or pinned");
}

TEST(ServiceFlags, CreateWithEverything) {
  auto s = apply({"--replicas", "3", "--cpu", "0.5", "--memory", "256MiB", "--constraint", "node.labels.zone==a",
                  "--constraint", "node.labels.ssd!=no", "--spread", "node.labels.zone", "--update-parallelism", "2",
                  "--update-delay", "2s", "--update-failure-action", "rollback", "--update-order", "start-first",
                  "--restart-condition", "on-failure", "--health-cmd", "true", "--publish", "8080:80",
                  "--env", "A=1", "--", "sleep", "10"});
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->replicas, 3u);
  EXPECT_EQ(s->reservations.cpu_millis, 500u);
  EXPECT_EQ(s->reservations.memory_bytes, 256u << 20);
  ASSERT_EQ(s->constraints.size(), 2u);
  EXPECT_EQ(s->constraints[1].op, crdt::ConstraintOp::kNe);
  EXPECT_EQ(s->spread_label, "zone");
  EXPECT_EQ(s->update.parallelism, 2u);
  EXPECT_EQ(s->update.delay_ms, 2000u);
  EXPECT_EQ(s->update.failure_action, crdt::FailureAction::kRollback);
  EXPECT_EQ(s->update.order, crdt::UpdateOrder::kStartFirst);
  EXPECT_EQ(s->restart.condition, crdt::RestartCondition::kOnFailure);
  EXPECT_EQ(s->ports[0].published, 8080);
  EXPECT_EQ(s->task.env.at("A"), "1");
  EXPECT_EQ(s->task.command, "sleep");
  EXPECT_EQ(s->task.args, std::vector<std::string>{"10"});
}

TEST(ServiceFlags, LabelsAsDockerSetsThem) {
  auto s = apply({"--label", "com.docker.stack.namespace=shop", "--label", "tier", "--", "a"});
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->labels, (std::map<std::string, std::string>{{"com.docker.stack.namespace", "shop"}, {"tier", ""}}));
  auto u = apply({"--label-rm", "tier", "--label-add", "owner=ops=1"}, *s, false);
  ASSERT_TRUE(u.ok()) << u.message();
  EXPECT_EQ(u->labels, (std::map<std::string, std::string>{{"com.docker.stack.namespace", "shop"}, {"owner", "ops=1"}}));
  EXPECT_NE(apply({"--label", "x=1"}, *s, false).message().find("--label-add"), std::string::npos);
  EXPECT_NE(apply({"--label-add", "x=1", "--", "a"}).message().find("service update"), std::string::npos);
  EXPECT_NE(apply({"--label", "=v", "--", "a"}).message().find("KEY=VALUE"), std::string::npos);
}

TEST(ServiceFlags, BadValuesSayWhat) {
  EXPECT_NE(apply({"--replicas", "x", "--", "a"}).message().find("--replicas"), std::string::npos);
  EXPECT_NE(apply({"--update-delay", "2days", "--", "a"}).message().find("--update-delay"), std::string::npos);
  EXPECT_NE(apply({"--memory", "12Q", "--", "a"}).message().find("--memory"), std::string::npos);
  EXPECT_NE(apply({"--constraint", "zone=a", "--", "a"}).message().find("node.labels"), std::string::npos);
  EXPECT_NE(apply({"--publish", "80", "--", "a"}).message().find("--publish"), std::string::npos);
  EXPECT_NE(apply({"--update-order", "sideways", "--", "a"}).message().find("stop-first"), std::string::npos);
  EXPECT_NE(apply({"--replicas", "2"}).message().find("--"), std::string::npos);  // no command
}

TEST(ServiceFlags, UpdateChangesOnlyNamedFields) {
  auto base = apply({"--replicas", "3", "--env", "A=1", "--", "sleep", "10"});
  ASSERT_TRUE(base.ok());
  auto next = apply({"--env", "B=2"}, *base, false);
  ASSERT_TRUE(next.ok()) << next.message();
  EXPECT_EQ(next->replicas, 3u);
  EXPECT_EQ(next->task.command, "sleep");
  EXPECT_EQ(next->task.env.size(), 2u);
  EXPECT_FALSE(apply({"--mode", "global"}, *base, false).ok());
}

TEST(ServiceFlags, GlobalRejectsReplicas) {
  EXPECT_FALSE(apply({"--mode", "global", "--replicas", "2", "--", "a"}).ok());
  auto g = apply({"--mode", "global", "--", "a"});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->mode, crdt::ServiceMode::kGlobal);
}

}  // namespace shoal

namespace shoal {

TEST(ServiceFlags, RestartWindowOnCreateAndUpdate) {
  auto s = apply({"--restart-max-attempts", "2", "--restart-window", "2s", "--", "false"});
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->restart.window_ms, 2000u);
  EXPECT_EQ(s->restart.max_attempts, 2u);
  auto next = apply({"--restart-window", "1m30s"}, *s, false);
  ASSERT_TRUE(next.ok()) << next.message();
  EXPECT_EQ(next->restart.window_ms, 90'000u);
  EXPECT_EQ(next->restart.max_attempts, 2u);
  EXPECT_EQ(apply({"--env", "A=1"}, *next, false)->restart.window_ms, 90'000u) << "kept when not named";
  EXPECT_EQ(apply({"--", "false"})->restart.window_ms, 0u) << "default: no window (swarm)";
  EXPECT_NE(apply({"--restart-window", "soon", "--", "a"}).message().find("--restart-window"), std::string::npos);
  EXPECT_NE(apply({"--restart-window", "9999d", "--", "a"}).message().find("--restart-window"), std::string::npos);
}

}  // namespace shoal

namespace shoal {

Result<crdt::ServiceSpec> create(std::vector<std::string> args) {
  FlagSpec spec = service_flag_spec();
  spec.stop_at_positional = true;  // as `service create` parses
  auto f = parse_flags("service create", args, spec);
  if (!f) return f.error();
  return apply_service_flags({}, *f, true);
}

TEST(ServiceFlags, ImageFormTakesCommandAndItsFlagsAfterTheImage) {
  auto s = create({"--name", "web", "--replicas", "2", "--env", "A=1", "busybox:1.36", "httpd", "-f", "--port", "80"});
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->task.image, "busybox:1.36");
  EXPECT_EQ(s->task.driver, crdt::Driver::kOci);
  EXPECT_EQ(s->task.command, "httpd");
  EXPECT_EQ(s->task.args, (std::vector<std::string>{"-f", "--port", "80"})) << "the command's flags are its own";
  EXPECT_EQ(s->replicas, 2u);
  auto bare = create({"--name", "web", "busybox"});
  ASSERT_TRUE(bare.ok()) << bare.message();
  EXPECT_EQ(bare->task.image, "busybox");
  EXPECT_TRUE(bare->task.command.empty()) << "no COMMAND: the image's Cmd";
}

TEST(ServiceFlags, ImageOverridesAndUpdate) {
  auto s = create({"--entrypoint", "/bin/sh -c 'echo hi there'", "--workdir", "/srv", "--user", "100:101",
                   "--no-healthcheck", "img"});
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->task.entrypoint, (std::vector<std::string>{"/bin/sh", "-c", "echo hi there"}));
  EXPECT_EQ(s->task.workdir, "/srv");
  EXPECT_EQ(s->task.user, "100:101");
  EXPECT_TRUE(s->health.no_image_check);
  auto next = apply({"web", "--image", "img:2"}, *s, false);
  ASSERT_TRUE(next.ok()) << next.message();
  EXPECT_EQ(next->task.image, "img:2");
  EXPECT_EQ(next->task.entrypoint, s->task.entrypoint) << "kept when not named";
  auto same = apply({"web", "--replicas", "3"}, *s, false);
  ASSERT_TRUE(same.ok()) << same.message();
  EXPECT_EQ(same->task.image, "img") << "update's positional is the service name, not an image";
  EXPECT_NE(create({"--entrypoint", "'open", "img"}).message().find("--entrypoint"), std::string::npos);
  EXPECT_NE(create({"--name", "x"}).message().find("IMAGE"), std::string::npos);
}

TEST(ServiceFlags, ProcessFormStillWorks) {
  auto s = create({"--name", "web", "--", "sleep", "10"});
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(s->task.image.empty());
  EXPECT_EQ(s->task.driver, crdt::Driver::kProcess);
  EXPECT_EQ(s->task.command, "sleep");
}

}  // namespace shoal

namespace shoal {

TEST(ServiceFlags, ANamePositionalBeforeDashDashIsExplained) {
  auto s = create({"web", "--", "sleep", "10"});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("--name web"), std::string::npos) << s.message();
}

}  // namespace shoal
