#include "runtime/task_record.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal::runtime {
namespace {

TaskRecord sample() {
  TaskRecord r;
  r.spec.id = "web.2.7";
  r.spec.service = "web";
  r.spec.slot = 2;
  r.spec.driver = DriverKind::kOci;
  r.spec.command = {"/bin/sh", "-c", "echo hi"};
  r.spec.env = {"A=1", "B=two words"};
  r.spec.rootfs = "/srv/rootfs";
  r.spec.uid = 33;
  r.spec.gid = 34;
  r.spec.cpu_millis = 250;
  r.spec.memory_bytes = 64 << 20;
  r.spec.pids_max = 64;
  r.spec.network_namespace = "/run/netns/x";
  r.spec.resolv_conf = "/run/shoal/x/resolv.conf";
  r.spec.health.kind = HealthCheckSpec::Kind::kTcp;
  r.spec.health.tcp_port = 8080;
  r.spec.health.start_period_ms = 5000;
  r.spec.restart.condition = RestartPolicySpec::Condition::kOnFailure;
  r.spec.restart.max_attempts = 4;
  r.pid = 1234;
  r.start_time = 99887766;
  r.cgroup_parent = "shoal";
  r.stdout_path = "/var/log/shoal/tasks/web.2.7.stdout.log";
  r.stderr_path = "/var/log/shoal/tasks/web.2.7.stderr.log";
  r.bundle_dir = "/var/lib/shoal/runtime/bundles/web.2.7";
  r.state = TaskState::kHealthy;
  r.restarts = 3;
  return r;
}

TEST(TaskRecord, RoundTrips) {
  TaskRecord r = sample();
  auto back = decode_task_record(encode_task_record(r));
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(*back, r);
}

TEST(TaskRecord, RejectsWrongVersionBadIdAndNoPid) {
  std::string bytes = encode_task_record(sample());
  // "v" is the first key; its value 1 is the byte after the key: flip it to 2.
  auto pos = bytes.find(std::string("\xa1v\x01", 3));
  ASSERT_NE(pos, std::string::npos);
  bytes[pos + 2] = 2;
  auto r = decode_task_record(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("version 2"), std::string::npos) << r.message();

  TaskRecord bad = sample();
  bad.spec.id = "../etc";
  EXPECT_FALSE(decode_task_record(encode_task_record(bad)).ok());
  TaskRecord nopid = sample();
  nopid.pid = 0;
  EXPECT_FALSE(decode_task_record(encode_task_record(nopid)).ok());
}

TEST(TaskRecord, RejectsOutOfRangeEnum) {
  std::string bytes = encode_task_record(sample());
  auto pos = bytes.find(std::string("\xa5state", 6));
  ASSERT_NE(pos, std::string::npos);
  bytes[pos + 6] = 9;  // positive fixint 9: no such TaskState
  EXPECT_FALSE(decode_task_record(bytes).ok());
}

RC_GTEST_PROP(TaskRecordProps, RoundTripsAnyStrings, (std::vector<std::string> cmd, std::string env_value,
                                                       std::uint32_t restarts, std::int64_t memory)) {
  TaskRecord r = sample();
  if (!cmd.empty()) r.spec.command = cmd;
  r.spec.env = {"K=" + env_value};
  r.restarts = restarts;
  r.spec.memory_bytes = memory;
  auto back = decode_task_record(encode_task_record(r));
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == r);
}

RC_GTEST_PROP(TaskRecordProps, GarbageIsAnErrorNotACrash, (std::string bytes)) {
  auto r = decode_task_record(bytes);
  const bool sane = !r.ok() || r->pid > 0;  // RC_ASSERT would evaluate both sides of ||
  RC_ASSERT(sane);
}

RC_GTEST_PROP(TaskRecordProps, CorruptedRecordsNeverCrash, (std::size_t at, std::uint8_t value)) {
  std::string bytes = encode_task_record(sample());
  bytes[at % bytes.size()] = static_cast<char>(value);
  auto r = decode_task_record(bytes);
  const bool sane = !r.ok() || validate_task_id(r->spec.id).ok();
  RC_ASSERT(sane);
}

}  // namespace
}  // namespace shoal::runtime
