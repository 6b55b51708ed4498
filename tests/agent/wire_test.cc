// Codecs of the agent's own messages: API frames, gossip user messages, state sync streams.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "agent/api_protocol.h"
#include "agent/peer_views.h"
#include "agent/state_sync.h"
#include "agent/user_message.h"

namespace shoal {

TEST(ApiProtocol, RoundTrip) {
  auto req = decode_request(encode_request({"tok", {"members", "--format", "json"}}));
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->token, "tok");
  EXPECT_EQ(req->argv.size(), 3u);
  auto resp = decode_response(encode_response({3, "out", "err"}));
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->exit_code, 3);
  Bytes f = frame(Bytes{1, 2, 3});
  EXPECT_EQ(frame_length(f.data()), 3u);
}

// A logs request with a time window round-trips; one without is the previous version's
// two-element form, which both versions read.
TEST(LogsRequestWire, WindowRoundTripsAndTheOldFormStaysTheSame) {
  auto decode = [&](const Bytes& b) {
    DropReason why{};
    auto e = decode_envelope(b.data(), b.size(), &why);
    EXPECT_TRUE(e.ok());
    return decode_logs_request(*e);
  };
  LogsRequest windowed{"web", 20, "2026-12-07T19:03:12.123456789Z", "2026-12-07T19:04:00.000000000Z"};
  auto got = decode(encode_logs_request(windowed));
  ASSERT_TRUE(got.ok()) << got.message();
  EXPECT_EQ(got->service, "web");
  EXPECT_EQ(got->tail_lines, 20u);
  EXPECT_EQ(got->since, windowed.since);
  EXPECT_EQ(got->until, windowed.until);
  const Bytes plain = encode_logs_request({"web", 5, "", ""});
  EXPECT_EQ(plain.back(), 5);  // [service, tail]: the last byte is the tail as a fixint
  auto old = decode(plain);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->tail_lines, 5u);
  EXPECT_TRUE(old->since.empty() && old->until.empty());
}

// A member view round-trips; bytes that are not one are an error, never a crash.
TEST(PeerViewWire, RoundTripsAndRejectsGarbage) {
  auto decode = [](const Bytes& b) {
    DropReason why{};
    auto e = decode_envelope(b.data(), b.size(), &why);
    EXPECT_TRUE(e.ok());
    return decode_view_reply(*e);
  };
  auto got = decode(encode_view_reply({{"n1", "alive"}, {"n2", "failed"}}));
  ASSERT_TRUE(got.ok()) << got.message();
  EXPECT_EQ(got->members, (std::vector<std::pair<std::string, std::string>>{{"n1", "alive"}, {"n2", "failed"}}));
  for (const Bytes& body : {Bytes{0xc1}, Bytes{0x91, 0x01}, Bytes{0x92, 0xa1, 'x'}}) {
    auto bad = decode(encode_envelope(static_cast<std::uint32_t>(SyncType::kViewReply), body));
    EXPECT_FALSE(bad.ok());
  }
  PeerViews views;
  views.store("n2", {{{"n1", "alive"}}, 1000});
  EXPECT_EQ(views.to_json(3500)["n2"]["age_ms"], 2500);
  EXPECT_EQ(views.to_json(3500)["n2"]["members"]["n1"], "alive");
}

TEST(UserMessage, KeyOpRoundTripAndRejects) {
  auto m = decode_user_message(encode_user_message(UserMessageKind::kKeyOp, encode_key_op({KeyOp::kUse, "abc", 7})));
  ASSERT_TRUE(m.ok());
  auto op = decode_key_op(m->second);
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->op, KeyOp::kUse);
  EXPECT_EQ(op->id, 7u);
  EXPECT_FALSE(decode_user_message({}).ok());
  EXPECT_FALSE(decode_user_message({99, 1}).ok());
}

TEST(StateSync, RoundTrips) {
  crdt::Replica r(NodeId{"n1"});
  crdt::ServiceSpec spec;
  spec.task.command = "sleep";
  auto delta = r.create_service(1000, "web", spec);
  ASSERT_TRUE(delta.ok()) << delta.message();
  DropReason why{};
  auto push = decode_envelope(encode_sync_push(*delta).data(), encode_sync_push(*delta).size(), &why);
  ASSERT_TRUE(push.ok());
  auto back = decode_sync_push(*push);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *delta);
  Bytes d = encode_sync_digest({NodeId{"n1"}, crdt::make_digest(r.state(), 4)});
  auto env = decode_envelope(d.data(), d.size(), &why);
  ASSERT_TRUE(env.ok());
  auto dig = decode_sync_digest(*env);
  ASSERT_TRUE(dig.ok()) << dig.message();
  EXPECT_EQ(dig->from.name, "n1");
  EXPECT_FALSE(decode_sync_push(*env).ok());  // wrong type
  Bytes l = encode_logs_request({"web", 5, "", ""});
  auto lenv = decode_envelope(l.data(), l.size(), &why);
  ASSERT_TRUE(lenv.ok());
  EXPECT_EQ(decode_logs_request(*lenv)->tail_lines, 5u);
}

RC_GTEST_PROP(StateSync, GarbageBodiesNeverCrash, (std::vector<std::uint8_t> body, std::uint8_t which)) {
  Envelope env{kWireVersion, static_cast<std::uint32_t>(SyncType::kSyncDigest) + which % 6, body};
  (void)decode_sync_digest(env);
  (void)decode_sync_reply(env);
  (void)decode_sync_push(env);
  (void)decode_logs_request(env);
  (void)decode_logs_reply(env);
  (void)decode_request(body);
  (void)decode_key_op(body);
}

}  // namespace shoal
