#include "crdt/service_ops.h"

#include <cmath>

#include <gtest/gtest.h>

#include "common/units.h"

namespace shoal::crdt {
namespace {

ServiceSpec spec(std::uint32_t replicas) {
  ServiceSpec s;
  s.task.command = "/bin/sleep";
  s.replicas = replicas;
  return s;
}

TEST(ServiceOps, CreateStartsAtVersionOne) {
  auto s = create_service(nullptr, "web", spec(3));
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->version, 1u);
  EXPECT_FALSE(s->previous_spec.has_value());
  EXPECT_EQ(create_service(&*s, "web", spec(1)).message(), "service web already exists");
}

TEST(ServiceOps, BadNamesAndSpecsAreRejected) {
  EXPECT_FALSE(create_service(nullptr, "", spec(1)).ok());
  EXPECT_FALSE(create_service(nullptr, "Web", spec(1)).ok());
  EXPECT_FALSE(create_service(nullptr, "-web", spec(1)).ok());
  EXPECT_FALSE(create_service(nullptr, std::string(64, 'a'), spec(1)).ok());
  EXPECT_FALSE(create_service(nullptr, "web", ServiceSpec{}).ok()) << "no command";
  auto oci = spec(1);
  oci.task.driver = Driver::kOci;
  EXPECT_EQ(create_service(nullptr, "web", oci).message(), "an OCI service needs a rootfs or an image");
  auto ratio = spec(1);
  ratio.update.max_failure_ratio = std::nan("");
  EXPECT_FALSE(create_service(nullptr, "web", ratio).ok());
  auto port = spec(1);
  port.ports.push_back({0, 80, PortProtocol::kTcp});
  EXPECT_FALSE(create_service(nullptr, "web", port).ok());
  auto label = spec(1);
  label.labels[""] = "x";
  EXPECT_NE(create_service(nullptr, "web", label).message().find("label name"), std::string::npos);
  label.labels = {{"a=b", "x"}};
  EXPECT_FALSE(create_service(nullptr, "web", label).ok());
  label.labels = {{"tier", std::string(1 << 20, 'x')}};
  EXPECT_FALSE(create_service(nullptr, "web", label).ok());
}

TEST(ServiceOps, ScaleKeepsVersionSoTasksDoNotRestart) {
  Service v1 = create_service(nullptr, "web", spec(3)).value();
  auto v2 = scale_service(&v1, "web", 5);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->version, 1u);
  EXPECT_EQ(v2->spec.replicas, 5u);
  EXPECT_EQ(v2->previous_spec, v1.previous_spec);
  EXPECT_FALSE(scale_service(&v1, "web", kMaxReplicas + 1).ok());
  EXPECT_EQ(scale_service(nullptr, "web", 1).message(), "no service named web");
  auto global = spec(1);
  global.mode = ServiceMode::kGlobal;
  Service g = create_service(nullptr, "agent", global).value();
  EXPECT_FALSE(scale_service(&g, "agent", 3).ok());
}

TEST(ServiceOps, EveryWriteKeepsTheVipClaimAndCreationTime) {
  Service v1 = create_service(nullptr, "web", spec(3)).value();
  v1.vip = "10.96.0.9";
  v1.created_ms = 42;
  for (const auto& next : {scale_service(&v1, "web", 5), update_service(&v1, "web", spec(4))}) {
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(next->vip, "10.96.0.9");
    EXPECT_EQ(next->created_ms, 42u);
  }
  Service v2 = update_service(&v1, "web", spec(4)).value();
  EXPECT_EQ(rollback_service(&v2, "web")->vip, "10.96.0.9");
}

TEST(ServiceOps, RollbackIsAnOrdinaryWriteOfThePreviousSpec) {
  Service v1 = create_service(nullptr, "web", spec(3)).value();
  EXPECT_EQ(rollback_service(&v1, "web").message(),
            "service web has no previous spec to roll back to");
  auto changed = spec(3);
  changed.task.args = {"60"};
  Service v2 = update_service(&v1, "web", changed).value();
  Service v3 = rollback_service(&v2, "web").value();
  EXPECT_EQ(v3.version, 3u);
  EXPECT_EQ(v3.spec, v1.spec);
  EXPECT_EQ(v3.previous_spec, changed);
  Service v4 = rollback_service(&v3, "web").value();
  EXPECT_EQ(v4.spec, changed) << "a second rollback undoes the first";
}

TEST(ServiceOps, DurationsBeyondTheCapAreRejected) {
  ServiceSpec s = spec(1);
  s.restart.window_ms = kMaxDurationMs;
  EXPECT_TRUE(create_service(nullptr, "web", s).ok()) << "the cap itself is allowed";
  s.restart.window_ms = kMaxDurationMs + 1;
  auto r = create_service(nullptr, "web", s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("restart window must be at most"), std::string::npos) << r.message();
  s = spec(1);
  s.restart.delay_ms = UINT64_MAX;  // would wrap to a negative delay in the runtime's int64
  EXPECT_FALSE(create_service(nullptr, "web", s).ok());
  s = spec(1);
  s.health.interval_ms = UINT64_MAX;
  EXPECT_FALSE(create_service(nullptr, "web", s).ok());
}

}  // namespace
}  // namespace shoal::crdt
