// Remote deltas are validated before merging: crafted deltas that break one limit each are
// dropped whole, counted and reported with their origin; valid ones merge as before.
#include "crdt/delta_validation.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "crdt/codec.h"
#include "crdt/desired_state.h"
#include "crdt/service_ops.h"
#include "random_history.h"

namespace shoal::crdt {
namespace {

using testing::node;
using testing::spec_with;

constexpr std::uint64_t kNow = 1'764'000'000'000;  // a wall time in 2025

// A valid one-service delta written by n1, for the tests to break.
DesiredState web_delta() {
  Replica writer(node(1));
  auto d = writer.create_service(kNow, "web", spec_with(3));
  SHOAL_ASSERT(d.ok());
  return *d;
}

LwwRegister<Service>& only_write(DesiredState& d) { return d.services.entries.begin()->second.live.begin()->second; }

// Merges `delta` from n1 into a fresh replica; expects a rejection whose message has `needle`.
void expect_rejected(const DesiredState& delta, const std::string& needle) {
  Replica r(node(0));
  auto got = r.merge_remote(delta, node(1), kNow);
  ASSERT_FALSE(got.ok()) << "accepted a delta that should fail with: " << needle;
  EXPECT_NE(got.message().find("delta from n1 rejected, not merged"), std::string::npos) << got.message();
  EXPECT_NE(got.message().find(needle), std::string::npos) << got.message();
  EXPECT_TRUE(r.state().empty()) << "an invalid delta was (partly) merged";
  EXPECT_EQ(r.counters().deltas_rejected, 1u);
}

TEST(DeltaValidation, ValidDeltaMerges) {
  Replica r(node(0));
  auto got = r.merge_remote(web_delta(), node(1), kNow);
  ASSERT_TRUE(got.ok()) << got.message();
  EXPECT_TRUE(got->clock_adopted);
  ASSERT_NE(r.state().service("web"), nullptr);
  EXPECT_EQ(r.counters().deltas_rejected, 0u);
}

TEST(DeltaValidation, ServiceNameThatIsNotADnsLabel) {
  DesiredState d = web_delta();
  auto entry = d.services.entries.begin()->second;
  entry.live.begin()->second.value.name = "Web_Server";
  d.services.entries.clear();
  d.services.entries["Web_Server"] = entry;
  expect_rejected(d, "may only use a-z, 0-9 and '-'");
}

TEST(DeltaValidation, DurationsBeyondTheCap) {
  // The CLI caps durations when parsing; a crafted delta is bounded here instead. A restart
  // window of 2^64-1 ms would wrap negative in the runtime's int64 milliseconds.
  DesiredState d = web_delta();
  only_write(d).value.spec.restart.window_ms = UINT64_MAX;
  expect_rejected(d, "restart window must be at most");
  d = web_delta();
  only_write(d).value.spec.restart.delay_ms = UINT64_MAX;
  expect_rejected(d, "restart delay must be at most");
}

TEST(DeltaValidation, EntryHoldingAnotherServicesValue) {
  DesiredState d = web_delta();
  only_write(d).value.name = "db";
  expect_rejected(d, "holds a service named 'db'");
}

TEST(DeltaValidation, ReplicasBeyondTheLimit) {
  DesiredState d = web_delta();
  only_write(d).value.spec.replicas = kMaxReplicas + 1;
  expect_rejected(d, "replicas must be at most");
}

TEST(DeltaValidation, OversizedArgumentAndTooManyArgs) {
  DesiredState d = web_delta();
  only_write(d).value.spec.task.args.push_back(std::string(kMaxSpecStringBytes + 1, 'x'));
  expect_rejected(d, "longer than");
  DesiredState e = web_delta();
  only_write(e).value.spec.task.args.assign(kMaxSpecListItems + 1, "a");
  expect_rejected(e, "more than 256 args");
}

TEST(DeltaValidation, PreviousSpecIsCheckedToo) {
  DesiredState d = web_delta();
  ServiceSpec bad = spec_with(1);
  bad.ports.push_back(PublishedPort{0, 80, PortProtocol::kTcp});
  only_write(d).value.previous_spec = bad;
  expect_rejected(d, "previous spec: published ports must be 1..65535");
}

TEST(DeltaValidation, ZeroCounterDotAndBadWriterName) {
  DesiredState d = web_delta();
  only_write(d).dot.counter = 0;  // the map key still has the old dot: only the value is crafted
  expect_rejected(d, "event counter 0");
  DesiredState e;
  e.availability.emplace(NodeId{"bad name!"}, LwwRegister<Availability>{Availability::kDrain, {kNow, 0}, Dot{node(1), 1}});
  expect_rejected(e, "availability");
}

TEST(DeltaValidation, TooManyServicesOrWrites) {
  DeltaLimits small;
  small.services_max = 2;
  DesiredState d;
  Replica writer(node(1));
  for (int i = 0; i < 3; ++i) d.merge(*writer.create_service(kNow, "s" + std::to_string(i), spec_with(1)));
  Replica r(node(0), kDefaultMaxClockOffsetMs, small);
  auto got = r.merge_remote(d, node(1), kNow);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.message().find("services: 3 is more than the limit of 2"), std::string::npos) << got.message();
  EXPECT_TRUE(r.state().empty());
}

TEST(DeltaValidation, TaskStatusLimits) {
  Replica runner(node(1));
  TaskStatus t{"web", 0, 1, TaskState::kRunning, "", std::string(100, '1'), kNow};
  expect_rejected(runner.put_task(kNow, t), "address bytes");
  Replica runner2(node(1));
  TaskStatus bad_slot{"web", kMaxReplicas, 1, TaskState::kRunning, "", "", kNow};
  expect_rejected(runner2.put_task(kNow, bad_slot), "slot beyond the replica limit");
}

TEST(DeltaValidation, FarFutureDeltaMergesButIsNotAdoptedByTheClock) {
  Replica ahead(node(1));
  const std::uint64_t year_ms = 365ull * 24 * 3600 * 1000;
  auto d = ahead.create_service(kNow + year_ms, "web", spec_with(2));
  ASSERT_TRUE(d.ok());
  Replica r(node(0));
  auto got = r.merge_remote(*d, node(1), kNow);
  ASSERT_TRUE(got.ok()) << got.message();
  EXPECT_FALSE(got->clock_adopted);
  EXPECT_EQ(got->ahead_ms, year_ms);
  EXPECT_EQ(r.counters().timestamps_not_adopted, 1u);
  ASSERT_NE(r.state().service("web"), nullptr);  // the write took effect
  // Our clock stayed on our time, and a later local write still replaces the far-future one.
  auto scaled = r.scale_service(kNow + 10, "web", 5);
  ASSERT_TRUE(scaled.ok());
  EXPECT_LT(r.clock().last().wall_ms, kNow + year_ms);
  EXPECT_EQ(r.state().service("web")->spec.replicas, 5u);
  // Availability is plain LWW: a later write is stamped after the far-future value it replaces.
  Replica ahead2(node(2));
  auto drain = ahead2.set_availability(kNow + year_ms, node(3), Availability::kDrain);
  ASSERT_TRUE(r.merge_remote(drain, node(2), kNow).ok());
  r.set_availability(kNow + 20, node(3), Availability::kActive);
  EXPECT_EQ(r.state().availability_of(node(3)), Availability::kActive);
}

// Law: every state a correct replica produces passes validation, after an encode/decode round
// trip too (validation never rejects honest traffic).
RC_GTEST_PROP(DeltaValidation, HonestStatesAlwaysPass, ()) {
  const auto states = *testing::gen_states();
  for (const DesiredState& s : states) {
    RC_ASSERT(validate_delta(s).ok());
    auto back = decode_state(encode_state(s));
    RC_ASSERT(back.ok());
    RC_ASSERT(validate_delta(*back).ok());
  }
}

}  // namespace
}  // namespace shoal::crdt
