#include "crdt/codec.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "crdt/digest.h"
#include "random_history.h"

namespace shoal::crdt {
namespace {

using testing::node;

ServiceSpec full_spec() {
  ServiceSpec s;
  s.task = TaskSpec{Driver::kOci, "/app", {"--port", "80"}, {{"A", "1"}, {"B", "x y"}}, "/srv/rootfs"};
  s.mode = ServiceMode::kReplicated;
  s.replicas = 3;
  s.reservations = {500, 256ull << 20};
  s.constraints = {{"zone", ConstraintOp::kNe, "a"}};
  s.spread_label = "rack";
  s.update = {2, 1000, 3000, FailureAction::kRollback, 0.25, UpdateOrder::kStartFirst};
  s.rollback = {1, 0, 5000, FailureAction::kContinue, 0.5, UpdateOrder::kStopFirst};
  s.ports = {{8080, 80, PortProtocol::kTcp}, {53, 53, PortProtocol::kUdp}};
  s.health = {"curl -f localhost", 1000, 500, 2, 100};
  s.restart = {RestartCondition::kOnFailure, 200, 5};
  return s;
}

DesiredState sample_state() {
  Replica r(node(0));
  (void)r.create_service(1000, "web", full_spec(), "10.96.0.7");
  (void)r.update_service(1001, "web", testing::spec_with(2));
  (void)r.create_service(1002, "gone", testing::spec_with(1));
  (void)r.remove_service(1003, "gone");
  r.set_availability(1004, node(3), Availability::kDrain);
  r.put_task(1005, TaskStatus{"web", 1, 2, TaskState::kHealthy, "", "10.0.0.2", 1005});
  r.put_task(1006, TaskStatus{"web", 2, 2, TaskState::kFailed, "exit 1", "", 1006});
  (void)r.delete_task(1007, TaskKey{"web", 2});
  return r.state();
}

TEST(Codec, StateRoundTripsEveryField) {
  DesiredState s = sample_state();
  auto back = decode_state(encode_state(s));
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(*back, s);
  ASSERT_NE(back->service("web"), nullptr);
  ASSERT_TRUE(back->service("web")->previous_spec.has_value());
  EXPECT_EQ(*back->service("web")->previous_spec, full_spec());
  EXPECT_EQ(back->service("web")->vip, "10.96.0.7");  // kept by the update
  EXPECT_EQ(back->service("web")->created_ms, 1000u);
}

RC_GTEST_PROP(Codec, RandomStatesRoundTrip, ()) {
  for (const auto& s : *testing::gen_states()) {
    auto back = decode_state(encode_state(s));
    RC_ASSERT(back.ok());
    RC_ASSERT(*back == s);
  }
}

TEST(Codec, DigestRoundTrips) {
  Digest d = make_digest(sample_state(), 8);
  Bytes wire = encode_digest(d);
  auto back = decode_digest(wire.data(), wire.size());
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(*back, d);
}

TEST(Codec, EveryTruncationIsAnError) {
  Bytes wire = encode_state(sample_state());
  for (std::size_t len = 0; len < wire.size(); ++len) {
    EXPECT_FALSE(decode_state(wire.data(), len).ok()) << len;
  }
}

TEST(Codec, TrailingBytesAreAnError) {
  Bytes wire = encode_state(sample_state());
  wire.push_back(0xc0);
  EXPECT_FALSE(decode_state(wire).ok());
}

TEST(Codec, HugeDeclaredArrayIsRejectedWithoutAllocating) {
  Bytes wire{0x94, 0x92, 0xdd, 0xff, 0xff, 0xff, 0xff};
  auto r = decode_state(wire);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("crdt state"), std::string::npos);
}

TEST(Codec, OutOfRangeValuesAreNamed) {
  DesiredState s;
  s.availability.emplace(node(1), LwwRegister<Availability>{Availability::kDrain, {1, 0}, {node(0), 1}});
  Bytes wire = encode_state(s);
  // The availability value is the byte after the node name "n1" (0xa2 'n' '1').
  for (std::size_t i = 0; i + 3 < wire.size(); ++i) {
    if (wire[i] == 0xa2 && wire[i + 1] == 'n' && wire[i + 2] == '1') {
      wire[i + 3] = 0x09;
      break;
    }
  }
  auto r = decode_state(wire);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("availability"), std::string::npos) << r.message();
}

TEST(Codec, BadNodeNameIsAnError) {
  DesiredState s;
  s.seen.add(Dot{NodeId{"bad name!"}, 1});
  EXPECT_FALSE(decode_state(encode_state(s)).ok());
}

TEST(Codec, MismatchedServiceNameIsAnError) {
  Replica r(node(0));
  DesiredState d = r.put_service(1, Service{"web", testing::spec_with(1), 1, std::nullopt, "", 0});
  auto reg = d.services.entries.at("web").live.begin()->second;
  d.services.entries.clear();
  d.services.entries["db"].live.emplace(reg.dot, reg);
  auto back = decode_state(encode_state(d));
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.message().find("holds a service named web"), std::string::npos);
}

// Random bytes and random corruptions of a valid state: never a crash, never an exception.
RC_GTEST_PROP(Codec, GarbageNeverCrashes, (std::vector<std::uint8_t> bytes)) {
  (void)decode_state(bytes.data(), bytes.size());
  (void)decode_digest(bytes.data(), bytes.size());
  Bytes wire = encode_state(sample_state());
  auto pos = *rc::gen::inRange<std::size_t>(0, wire.size());
  wire[pos] = *rc::gen::arbitrary<std::uint8_t>();
  auto r = decode_state(wire);
  if (r.ok()) {
    // Whatever decoded is a valid state: it merges and re-encodes.
    DesiredState s = sample_state();
    s.merge(*r);
    RC_ASSERT(decode_state(encode_state(s)).ok());
  }
}

}  // namespace
}  // namespace shoal::crdt
