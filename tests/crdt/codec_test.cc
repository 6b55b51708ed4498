#include "crdt/codec.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "common/units.h"
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
  s.labels = {{"com.docker.stack.namespace", "shop"}, {"tier", ""}};
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

// encode_state of one service "web" (command /bin/false, restart on-failure, delay 100 ms,
// max attempts 2) by the encoder before --restart-window: its restart policy is the 3-field
// array 93 00 64 02. Such state files and deltas must still decode, with no window.
const char kStateBeforeRestartWindow[] =
    "\x94\x92\x91\x92\xa2\x6e\x30\x01\x90\x91\x93\xa3\x77\x65\x62\x91\x93\x96\xa3\x77\x65\x62\x9b"
    "\x95\x00\xaa\x2f\x62\x69\x6e\x2f\x66\x61\x6c\x73\x65\x90\x80\xa0\x00\x01\x92\x00\x00\x90\xa0"
    "\x96\x01\x00\xcd\x13\x88\x00\x00\x00\x96\x01\x00\xcd\x13\x88\x00\x00\x00\x90\x95\xa0\xcd\x75"
    "\x30\xcd\x75\x30\x03\x00\x93\x00\x64\x02\x01\xc0\xa9\x31\x30\x2e\x39\x36\x2e\x30\x2e\x37\xcd"
    "\x03\xe8\x92\xcd\x03\xe8\x00\x92\xa2\x6e\x30\x01\x90\x90\x90";

Bytes old_state_bytes() {
  const auto* p = reinterpret_cast<const std::uint8_t*>(kStateBeforeRestartWindow);
  return Bytes(p, p + sizeof(kStateBeforeRestartWindow) - 1);
}

TEST(Codec, StateBeforeRestartWindowDecodesWithNoWindow) {
  Bytes old = old_state_bytes();
  ASSERT_EQ(old.size(), 107u);
  auto back = decode_state(old);
  ASSERT_TRUE(back.ok()) << back.message();
  const Service* web = back->service("web");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->spec.task.command, "/bin/false");
  EXPECT_EQ(web->spec.restart.condition, RestartCondition::kOnFailure);
  EXPECT_EQ(web->spec.restart.delay_ms, 100u);
  EXPECT_EQ(web->spec.restart.max_attempts, 2u);
  EXPECT_EQ(web->spec.restart.window_ms, 0u);
  // Without a window the encoding is byte-for-byte the old one, so older agents read it.
  EXPECT_EQ(encode_state(*back), old);
}

// --on-partition and the agreed node set (node/partition_fence.h): written only when set, so a
// service without them keeps the form older agents read (the test above: byte for byte).
TEST(Codec, PartitionPolicyAndAgreedNodesRoundTrip) {
  auto back = decode_state(old_state_bytes());
  ASSERT_TRUE(back.ok());
  Replica r(node(0));
  ServiceSpec spec = back->service("web")->spec;
  spec.partition.on_partition = OnPartition::kMajority;
  spec.partition.isolation_timeout_ms = 4000;
  ASSERT_TRUE(r.create_service(1000, "web", spec, "10.96.0.7").ok());
  Service with_set = *r.state().service("web");
  with_set.agreed_nodes = {"n0", "n1", "n2"};
  r.put_service(2000, with_set);
  auto decoded = decode_state(encode_state(r.state()));
  ASSERT_TRUE(decoded.ok()) << decoded.message();
  EXPECT_EQ(*decoded, r.state());
  const Service* web = decoded->service("web");
  EXPECT_EQ(web->spec.partition.on_partition, OnPartition::kMajority);
  EXPECT_EQ(web->spec.partition.isolation_timeout_ms, 4000u);
  EXPECT_TRUE(web->spec.labels.empty()) << "labels written as an empty map before the policy";
  EXPECT_EQ(web->agreed_nodes, (std::vector<std::string>{"n0", "n1", "n2"}));
  // An unsorted set is not canonical: refused.
  with_set.agreed_nodes = {"n1", "n0"};
  Replica u(node(0));
  DesiredState unsorted = u.put_service(3000, with_set);
  EXPECT_FALSE(decode_state(encode_state(unsorted)).ok());
}

TEST(Codec, RestartWindowIsEncodedAndAZeroInTheFieldIsRejected) {
  auto back = decode_state(old_state_bytes());
  ASSERT_TRUE(back.ok());
  Replica r(node(0));
  ServiceSpec spec = back->service("web")->spec;
  spec.restart.window_ms = 2000;
  ASSERT_TRUE(r.create_service(1000, "web", spec, "10.96.0.7").ok());
  Bytes wire = encode_state(r.state());
  auto with = decode_state(wire);
  ASSERT_TRUE(with.ok()) << with.message();
  EXPECT_EQ(with->service("web")->spec.restart.window_ms, 2000u);
  // Same state with the 4-field policy [0, 100, 2, 2000] patched to carry window 0: not
  // canonical (equal specs must encode equal), so refused rather than silently accepted.
  const std::uint8_t four[] = {0x94, 0x00, 0x64, 0x02, 0xcd, 0x07, 0xd0};
  auto it = std::search(wire.begin(), wire.end(), std::begin(four), std::end(four));
  ASSERT_NE(it, wire.end());
  it[4] = 0x00;  // positive fixint 0, then drop the 2 bytes of the old uint16
  wire.erase(it + 5, it + 7);
  auto zero = decode_state(wire);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.message().find("restart window"), std::string::npos) << zero.message();
}

RC_GTEST_PROP(Codec, RestartPolicyRoundTrips, ()) {
  ServiceSpec spec = full_spec();
  spec.restart.condition = *rc::gen::element(RestartCondition::kOnFailure, RestartCondition::kAny,
                                             RestartCondition::kNone);
  spec.restart.delay_ms = *rc::gen::inRange<std::uint64_t>(0, kMaxDurationMs + 1);
  spec.restart.max_attempts = *rc::gen::arbitrary<std::uint32_t>();
  spec.restart.window_ms = *rc::gen::oneOf(rc::gen::just<std::uint64_t>(0),
                                           rc::gen::inRange<std::uint64_t>(0, kMaxDurationMs + 1));
  Replica r(node(0));
  RC_ASSERT(r.create_service(1000, "web", spec, "").ok());
  auto back = decode_state(encode_state(r.state()));
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == r.state());
  RC_ASSERT(back->service("web")->spec.restart == spec.restart);
}

TEST(Codec, LabelsRoundTripAndAnEmptyMapInTheFieldIsRefused) {
  ServiceSpec spec = testing::spec_with(1);
  spec.labels = {{"q", "r"}};
  Replica r(node(0));
  ASSERT_TRUE(r.create_service(1000, "web", spec, "").ok());
  Bytes wire = encode_state(r.state());
  auto back = decode_state(wire);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->service("web")->spec.labels, spec.labels);
  // The map {"q": "r"} patched to {}: not canonical (no labels are written as 11 fields).
  const std::uint8_t one[] = {0x81, 0xa1, 'q', 0xa1, 'r'};
  auto it = std::search(wire.begin(), wire.end(), std::begin(one), std::end(one));
  ASSERT_NE(it, wire.end());
  *it = 0x80;
  wire.erase(it + 1, it + 5);
  auto empty = decode_state(wire);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.message().find("labels"), std::string::npos) << empty.message();
}

ServiceSpec image_spec() {
  ServiceSpec s = full_spec();
  s.task = TaskSpec{Driver::kOci, "httpd", {"-f", "-p", "80"}, {{"A", "1"}}, ""};
  s.task.image = "127.0.0.1:5000/web:1@sha256:" + std::string(64, 'a');
  s.task.entrypoint = {"/bin/sh", "-c"};
  s.task.workdir = "/srv";
  s.task.user = "100:101";
  s.health.no_image_check = true;
  return s;
}

TEST(Codec, ImageFieldsRoundTripAndAreAbsentWhenEmpty) {
  Replica with(node(0));
  ASSERT_TRUE(with.create_service(1000, "web", image_spec(), "").ok());
  auto back = decode_state(encode_state(with.state()));
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->service("web")->spec, image_spec());
  // A process spec encodes exactly as before images (the old state file above).
  auto old = decode_state(old_state_bytes());
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(old->service("web")->spec.task.has_image_fields());
  EXPECT_FALSE(old->service("web")->spec.health.no_image_check);
  EXPECT_EQ(encode_state(*old), old_state_bytes());
}

RC_GTEST_PROP(Codec, ImageFieldsRoundTrip, ()) {
  ServiceSpec spec = image_spec();
  spec.task.image = *rc::gen::nonEmpty(rc::gen::string<std::string>());
  spec.task.entrypoint = *rc::gen::container<std::vector<std::string>>(*rc::gen::inRange(0, 4),
                                                                       rc::gen::string<std::string>());
  spec.task.workdir = *rc::gen::string<std::string>();
  spec.task.user = *rc::gen::string<std::string>();
  spec.health.no_image_check = *rc::gen::arbitrary<bool>();
  Replica r(node(0));
  RC_ASSERT(r.create_service(1000, "web", spec, "").ok());
  auto back = decode_state(encode_state(r.state()));
  RC_ASSERT(back.ok());
  RC_ASSERT(back->service("web")->spec == spec);
}

TEST(Codec, ImageSpecsThatMixFormsAreRefused) {
  Replica r(node(0));
  ServiceSpec both = image_spec();
  both.task.rootfs = "/srv/rootfs";
  EXPECT_FALSE(r.create_service(1000, "a", both, "").ok());
  ServiceSpec process = full_spec();
  process.task.driver = Driver::kProcess;
  process.task.rootfs.clear();
  process.task.user = "1000";
  auto err = r.create_service(1000, "b", process, "");
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.message().find("need an image"), std::string::npos) << err.message();
  ServiceSpec image_only = image_spec();
  image_only.task.command.clear();
  image_only.task.args.clear();
  EXPECT_TRUE(r.create_service(1000, "c", image_only, "").ok());  // the image's Cmd
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
  Service web;
  web.name = "web";
  web.spec = testing::spec_with(1);
  web.version = 1;
  DesiredState d = r.put_service(1, web);
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
