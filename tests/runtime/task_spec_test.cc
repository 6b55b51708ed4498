#include "runtime/task_spec.h"

#include <gtest/gtest.h>

namespace shoal::runtime {
namespace {

TaskSpec valid_spec() {
  TaskSpec s;
  s.id = "web.1.3";
  s.service = "web";
  s.slot = 1;
  s.command = {"/bin/true"};
  return s;
}

TEST(TaskSpec, ValidSpecPasses) { EXPECT_TRUE(validate(valid_spec()).ok()); }

TEST(TaskSpec, TaskIdsAreSafeFileNames) {
  EXPECT_TRUE(validate_task_id("web.2.7").ok());
  EXPECT_TRUE(validate_task_id("a_b-C.9").ok());
  for (const char* bad : {"", ".", "..", "a/b", "a b", "../x", "x\n"})
    EXPECT_FALSE(validate_task_id(bad).ok()) << bad;
  EXPECT_FALSE(validate_task_id(std::string(129, 'a')).ok());
  EXPECT_TRUE(validate_task_id(std::string(128, 'a')).ok());
}

struct BadCase {
  const char* name;
  void (*mutate)(TaskSpec&);
  const char* message_part;
};

TEST(TaskSpec, RejectsBadFieldsWithAClearMessage) {
  const BadCase cases[] = {
      {"empty command", [](TaskSpec& s) { s.command.clear(); }, "command is empty"},
      {"env without =", [](TaskSpec& s) { s.env = {"NOEQUALS"}; }, "KEY=VALUE"},
      {"env starting with =", [](TaskSpec& s) { s.env = {"=x"}; }, "KEY=VALUE"},
      {"nul in arg", [](TaskSpec& s) { s.command.push_back(std::string("a\0b", 3)); }, "NUL"},
      {"oci without rootfs", [](TaskSpec& s) { s.driver = DriverKind::kOci; }, "rootfs"},
      {"oci relative rootfs", [](TaskSpec& s) { s.driver = DriverKind::kOci; s.rootfs = "rel"; }, "rootfs"},
      {"negative cpu", [](TaskSpec& s) { s.cpu_millis = -1; }, "cpu"},
      {"tiny memory", [](TaskSpec& s) { s.memory_bytes = 1000; }, "1MiB"},
      {"negative pids", [](TaskSpec& s) { s.pids_max = -5; }, "pids"},
      {"exec check without cmd", [](TaskSpec& s) { s.health.kind = HealthCheckSpec::Kind::kExec; }, "command"},
      {"tcp check without port", [](TaskSpec& s) { s.health.kind = HealthCheckSpec::Kind::kTcp; }, "port"},
      {"zero interval", [](TaskSpec& s) { s.health = {HealthCheckSpec::Kind::kTcp, {}, 80, 0, 1, 1, 0}; }, "interval"},
      {"zero retries", [](TaskSpec& s) { s.health = {HealthCheckSpec::Kind::kTcp, {}, 80, 1, 1, 0, 0}; }, "retries"},
      {"negative delay", [](TaskSpec& s) { s.restart.delay_ms = -1; }, "delay"},
      {"max delay below delay", [](TaskSpec& s) { s.restart.delay_ms = 500; s.restart.max_delay_ms = 100; }, "max delay"},
  };
  for (const auto& c : cases) {
    TaskSpec s = valid_spec();
    c.mutate(s);
    Status st = validate(s);
    ASSERT_FALSE(st.ok()) << c.name;
    EXPECT_NE(st.message().find(c.message_part), std::string::npos) << c.name << ": " << st.message();
  }
}

TEST(TaskSpec, NamesOfEnums) {
  EXPECT_STREQ(driver_name(DriverKind::kOci), "oci");
  EXPECT_STREQ(condition_name(RestartPolicySpec::Condition::kOnFailure), "on-failure");
}

}  // namespace
}  // namespace shoal::runtime
