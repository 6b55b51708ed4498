#include "membership/swim.h"

#include <gtest/gtest.h>

#include <map>

#include "membership/messages.h"

namespace shoal::membership {
namespace {

constexpr std::uint64_t kStart = 1'000'000;

// A few cores wired together with instant delivery; `drop` cuts chosen links. Every UDP
// payload is checked against the packet budget.
struct Cluster {
  std::map<std::string, Swim> nodes;  // by address
  std::uint64_t now = kStart;
  std::function<bool(const std::string& from, const std::string& to)> drop = [](auto&, auto&) { return false; };
  // Drops one datagram by its contents (after `drop`); streams are never filtered here.
  std::function<bool(const std::string& from, const Outgoing& out)> drop_datagram = [](auto&, auto&) { return false; };
  std::map<std::string, std::vector<Event>> events;  // by observer address
  std::map<std::string, std::vector<UserPayload>> payloads;
  std::vector<std::pair<std::string, Outgoing>> sent;  // everything sent, in order
  std::map<std::string, std::int64_t> skew;  // by address: wall clock = now + skew
  std::uint64_t wall(const std::string& addr) { return static_cast<std::uint64_t>(static_cast<std::int64_t>(now) + skew[addr]); }

  Swim& add(const std::string& name, Config cfg = lan_config(), std::uint64_t incarnation = 0) {
    auto s = Swim::create(cfg, NodeId{name}, "addr-" + name, NodeMeta{}, stable_hash(name), now, incarnation);
    EXPECT_TRUE(s.ok()) << s.message();
    return nodes.insert_or_assign("addr-" + name, std::move(*s)).first->second;
  }
  Swim& at(const std::string& name) { return nodes.at("addr-" + name); }

  void deliver_all() {
    for (int round = 0; round < 1000; ++round) {
      bool any = false;
      for (auto& [addr, swim] : nodes) {
        for (Outgoing& out : swim.take_outgoing()) {
          any = true;
          sent.emplace_back(addr, out);
          if (!out.reliable) EXPECT_LE(out.payload.size(), swim.config().packet_budget_bytes());
          auto it = nodes.find(out.to_addr);
          if (it == nodes.end() || drop(addr, out.to_addr)) continue;
          if (out.reliable) {
            auto reply = it->second.handle_stream(now, addr, out.payload.data(), out.payload.size());
            if (reply && !drop(out.to_addr, addr)) (void)swim.handle_stream(now, out.to_addr, reply->data(), reply->size());
          } else if (!drop_datagram(addr, out)) {
            it->second.handle_packet(now, addr, out.payload.data(), out.payload.size(), wall(out.to_addr));
          }
        }
      }
      for (auto& [addr, swim] : nodes) {
        for (Event& e : swim.take_events()) events[addr].push_back(std::move(e));
        for (UserPayload& p : swim.take_user_payloads()) payloads[addr].push_back(std::move(p));
      }
      if (!any) return;
    }
    ADD_FAILURE() << "messages never quiesced";
  }

  void advance_to(std::uint64_t until) {
    for (int guard = 0; guard < 1'000'000; ++guard) {
      std::uint64_t next = UINT64_MAX;
      for (auto& [addr, swim] : nodes) next = std::min(next, swim.next_deadline_ms());
      if (next > until) break;
      now = std::max(now, next);
      for (auto& [addr, swim] : nodes)
        if (swim.next_deadline_ms() <= now) swim.tick(now);
      deliver_all();
    }
    now = until;
  }

  std::optional<MemberStatus> status(const std::string& observer, const std::string& of) {
    auto m = at(observer).member(NodeId{of});
    if (!m) return std::nullopt;
    return m->status;
  }
};

Bytes packet(const Message& m) { return encode_message(m); }

TEST(Swim, CreateRejectsBadInput) {
  NodeMeta big;
  big.version = std::string(600, 'v');
  EXPECT_FALSE(Swim::create(lan_config(), NodeId{"a"}, "x:1", big, 1, kStart).ok());
  Config bad = lan_config();
  bad.probe_interval_ms = 0;
  EXPECT_FALSE(Swim::create(bad, NodeId{"a"}, "x:1", {}, 1, kStart).ok());
  EXPECT_FALSE(Swim::create(lan_config(), NodeId{"bad name"}, "x:1", {}, 1, kStart).ok());
  EXPECT_FALSE(Swim::create(lan_config(), NodeId{"a"}, "", {}, 1, kStart).ok());
}

TEST(Swim, StatusNames) {
  EXPECT_STREQ(status_name(MemberStatus::kAlive), "alive");
  EXPECT_STREQ(status_name(MemberStatus::kSuspect), "suspect");
  EXPECT_STREQ(status_name(MemberStatus::kFailed), "failed");
  EXPECT_STREQ(status_name(MemberStatus::kLeft), "left");
}

TEST(Swim, JoinByPushPullMakesBothSidesKnowEachOther) {
  Cluster c;
  c.add("a");
  c.add("b").join(c.now, {"addr-a"});
  c.deliver_all();
  EXPECT_EQ(c.at("a").num_alive(), 2u);
  EXPECT_EQ(c.at("b").num_alive(), 2u);
  ASSERT_EQ(c.events["addr-a"].size(), 1u);
  EXPECT_EQ(c.events["addr-a"][0].kind, Event::kJoined);
  EXPECT_EQ(c.events["addr-a"][0].member.id.name, "b");
  auto members = c.at("a").members();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].id.name, "a");  // sorted by id
  EXPECT_EQ(members[1].addr, "addr-b");
}

TEST(Swim, GossipSpreadsAJoinToEveryone) {
  Cluster c;
  c.add("a");
  for (const char* n : {"b", "c", "d", "e"}) c.add(n).join(c.now, {"addr-a"});
  c.deliver_all();
  c.advance_to(c.now + 2'000);
  for (const char* n : {"a", "b", "c", "d", "e"}) EXPECT_EQ(c.at(n).num_alive(), 5u) << n;
}

TEST(Swim, PingIsAnsweredWithAckCarryingTheSeq) {
  Cluster c;
  Swim& b = c.add("b");
  Bytes ping = packet(Ping{42, "b", "x"});
  b.handle_packet(c.now, "addr-x", ping.data(), ping.size());
  auto out = b.take_outgoing();
  ASSERT_GE(out.size(), 1u);
  EXPECT_EQ(out[0].to_addr, "addr-x");
  EXPECT_FALSE(out[0].reliable);
  DropReason why{};
  auto msgs = decode_packet(out[0].payload.data(), out[0].payload.size(), &why);
  ASSERT_TRUE(msgs.ok());
  ASSERT_TRUE(std::holds_alternative<Ack>(msgs->front()));
  EXPECT_EQ(std::get<Ack>(msgs->front()).seq, 42u);
}

// A prober we never heard of (we missed every retransmission of its `alive`) gets one push-pull
// at once, not at the next periodic one 30 s later; at most one such exchange per probe interval.
TEST(Swim, UnknownProberIsSyncedWithAtOnce) {
  Cluster c;
  Swim& b = c.add("b");
  Bytes ping = packet(Ping{42, "b", "x"});
  b.handle_packet(c.now, "addr-x", ping.data(), ping.size());
  auto out = b.take_outgoing();
  ASSERT_EQ(out.size(), 2u);
  DropReason why{};
  EXPECT_TRUE(out[1].reliable);
  EXPECT_EQ(out[1].to_addr, "addr-x");
  EXPECT_EQ(out[1].to_node, "x");
  auto msgs = decode_packet(out[1].payload.data(), out[1].payload.size(), &why);
  ASSERT_TRUE(msgs.ok());
  EXPECT_TRUE(std::holds_alternative<PushPull>(msgs->front()));
  Bytes again = packet(Ping{43, "b", "y"});
  b.handle_packet(c.now + 1, "addr-y", again.data(), again.size());
  EXPECT_EQ(b.take_outgoing().size(), 1u) << "a second unknown prober within the probe interval was synced too";
  b.handle_packet(c.now + b.config().probe_interval_ms, "addr-y", again.data(), again.size());
  EXPECT_EQ(b.take_outgoing().size(), 2u);
}

// The simulator's case (seed 99003, 8 nodes, 5% loss): b misses every gossip about c; c's
// probe of b makes b learn of c well before the periodic push-pull.
TEST(Swim, NodeThatMissedAJoinLearnsItFromTheJoinersProbe) {
  Cluster c;
  c.add("a");
  c.add("b").join(c.now, {"addr-a"});
  c.deliver_all();
  c.drop_datagram = [](const std::string&, const Outgoing& out) {
    if (out.to_addr != "addr-b") return false;
    DropReason why{};
    auto msgs = decode_packet(out.payload.data(), out.payload.size(), &why);
    if (!msgs.ok()) return false;
    for (const auto& m : *msgs)
      if (const auto* alive = std::get_if<Alive>(&m); alive && alive->node == "c") return true;
    return false;
  };
  c.add("c").join(c.now, {"addr-a"});
  c.deliver_all();
  const std::uint64_t start = c.now;
  while (c.now - start < 20'000 && c.at("b").num_alive() < 3) c.advance_to(c.now + 100);
  EXPECT_EQ(c.at("b").num_alive(), 3u);
  EXPECT_LT(c.now - start, c.at("b").config().push_pull_interval_ms) << "b learned of c only by periodic push-pull";
}

TEST(Swim, AckCarriesOurWallTimeAndIsAddressedToTheProber) {
  Cluster c;
  Swim& b = c.add("b");
  Bytes ping = packet(Ping{42, "b", "x"});
  b.handle_packet(c.now, "addr-x", ping.data(), ping.size(), 1'234'567);
  auto out = b.take_outgoing();
  ASSERT_GE(out.size(), 1u);  // then a push-pull: x is unknown to b (UnknownProberIsSyncedWithAtOnce)
  EXPECT_EQ(out[0].to_node, "x");  // bound into the seal by the shell
  DropReason why{};
  auto msgs = decode_packet(out[0].payload.data(), out[0].payload.size(), &why);
  ASSERT_TRUE(msgs.ok());
  EXPECT_EQ(std::get<Ack>(msgs->front()), (Ack{42, 1'234'567}));
}

TEST(Swim, ProbesMeasureClockOffsetsAndBothSidesWarn) {
  Cluster c;
  c.add("a");
  c.add("b");
  c.skew["addr-b"] = 300'000;  // b's wall clock is 5 minutes ahead
  c.at("a").join(c.now, {"addr-b"});
  c.deliver_all();
  c.advance_to(c.now + 5'000);
  auto b_seen_by_a = c.at("a").member(NodeId{"b"});
  auto a_seen_by_b = c.at("b").member(NodeId{"a"});
  ASSERT_TRUE(b_seen_by_a && b_seen_by_a->clock_offset_ms);
  ASSERT_TRUE(a_seen_by_b && a_seen_by_b->clock_offset_ms);
  EXPECT_EQ(*b_seen_by_a->clock_offset_ms, 300'000);   // instant delivery: exact
  EXPECT_EQ(*a_seen_by_b->clock_offset_ms, -300'000);
  auto warned = [&](const std::string& observer, const std::string& about) {
    int n = 0;
    for (const Event& e : c.events["addr-" + observer]) n += e.kind == Event::kClockOffset && e.member.id.name == about;
    return n;
  };
  EXPECT_EQ(warned("a", "b"), 1);  // once, not every probe
  EXPECT_EQ(warned("b", "a"), 1);
  for (const Event& e : c.events["addr-a"]) {
    if (e.kind != Event::kClockOffset) continue;
    const std::string line = describe_event(e);
    EXPECT_NE(line.find("member b clock offset +300000 ms"), std::string::npos) << line;
    EXPECT_NE(line.find("writes"), std::string::npos) << line;
  }
  // NTP fixes b's clock: the estimate follows and the warning clears.
  c.skew["addr-b"] = 0;
  c.advance_to(c.now + 20'000);
  EXPECT_LT(std::llabs(*c.at("a").member(NodeId{"b"})->clock_offset_ms), 100);
  int cleared = 0;
  for (const Event& e : c.events["addr-a"]) cleared += e.kind == Event::kClockOffsetOk;
  EXPECT_EQ(cleared, 1);
}

TEST(Swim, PingForAnotherNodeIsNotAcked) {
  Cluster c;
  Swim& b = c.add("b");
  Bytes ping = packet(Ping{42, "someone-else", "x"});
  b.handle_packet(c.now, "addr-x", ping.data(), ping.size());
  EXPECT_TRUE(b.take_outgoing().empty());
}

TEST(Swim, GarbageIsCountedByReason) {
  Cluster c;
  Swim& b = c.add("b");
  Bytes junk{0xc1, 0x00, 0x13};
  b.handle_packet(c.now, "addr-x", junk.data(), junk.size());
  Bytes unknown = encode_envelope(77, Bytes{0x90});
  b.handle_packet(c.now, "addr-x", unknown.data(), unknown.size());
  EXPECT_EQ(b.counters().dropped[static_cast<std::size_t>(DropReason::kMalformed)], 1u);
  EXPECT_EQ(b.counters().dropped[static_cast<std::size_t>(DropReason::kUnknownType)], 1u);
  b.count_drop(DropReason::kBadMac);
  EXPECT_EQ(b.counters().dropped[static_cast<std::size_t>(DropReason::kBadMac)], 1u);
}

TEST(Swim, SilentNodeIsProbedIndirectlyThenSuspectedThenFailed) {
  Cluster c;
  c.add("a");
  for (const char* n : {"b", "c"}) c.add(n).join(c.now, {"addr-a"});
  c.deliver_all();
  c.advance_to(c.now + 1'000);
  c.drop = [](const std::string& from, const std::string& to) { return from == "addr-c" || to == "addr-c"; };
  c.advance_to(c.now + 60'000);
  EXPECT_EQ(c.status("a", "c"), MemberStatus::kFailed);
  EXPECT_EQ(c.status("b", "c"), MemberStatus::kFailed);
  EXPECT_GT(c.at("a").counters().ping_reqs_sent, 0u);
  EXPECT_GT(c.at("a").counters().probes_failed, 0u);
  // b relayed a's ping-reqs and answered with nacks, so a did not blame itself for them.
  EXPECT_GT(c.at("b").counters().nacks_sent + c.at("a").counters().nacks_sent, 0u);
  bool saw_suspect = false, saw_failed = false;
  for (const Event& e : c.events["addr-a"]) {
    if (e.member.id.name != "c") continue;
    saw_suspect |= e.kind == Event::kSuspect;
    saw_failed |= e.kind == Event::kFailed;
  }
  EXPECT_TRUE(saw_suspect);
  EXPECT_TRUE(saw_failed);
}

TEST(Swim, SuspicionAboutSelfIsRefutedWithAHigherIncarnation) {
  Cluster c;
  Swim& b = c.add("b");
  Bytes s = packet(Suspect{"b", 0, "x"});
  b.handle_packet(c.now, "addr-x", s.data(), s.size());
  EXPECT_EQ(b.incarnation(), 1u);
  EXPECT_EQ(b.counters().refutations, 1u);
  EXPECT_EQ(b.health_score(), 1);  // Lifeguard: being suspected hints we are slow
  EXPECT_EQ(b.member(NodeId{"b"})->status, MemberStatus::kAlive);
}

TEST(Swim, DeathAboutSelfIsRefuted) {
  Cluster c;
  Swim& b = c.add("b", lan_config(), 5);
  Bytes d = packet(Dead{"b", 7, "x"});
  b.handle_packet(c.now, "addr-x", d.data(), d.size());
  EXPECT_EQ(b.incarnation(), 8u);
  EXPECT_EQ(b.counters().refutations, 1u);
  EXPECT_EQ(b.counters().death_refutations, 1u);  // metrics: a false death, not just a suspicion
}

TEST(Swim, FalselySuspectedNodeRefutesAndStaysAliveEverywhere) {
  Cluster c;
  c.add("a");
  for (const char* n : {"b", "c"}) c.add(n).join(c.now, {"addr-a"});
  c.deliver_all();
  Bytes s = packet(Suspect{"c", 0, "b"});
  c.at("a").handle_packet(c.now, "addr-b", s.data(), s.size());
  EXPECT_EQ(c.status("a", "c"), MemberStatus::kSuspect);
  c.advance_to(c.now + 30'000);
  for (const char* n : {"a", "b"}) {
    auto m = c.at(n).member(NodeId{"c"});
    ASSERT_TRUE(m);
    EXPECT_EQ(m->status, MemberStatus::kAlive) << n;
    EXPECT_GE(m->incarnation, 1u) << n;
  }
  bool recovered = false;
  for (const Event& e : c.events["addr-a"]) recovered |= e.kind == Event::kAlive && e.member.id.name == "c";
  EXPECT_TRUE(recovered);
}

// Decoded messages of everything `swim` sent to `to`.
std::vector<Message> sent_to(Swim& swim, const std::string& to) {
  std::vector<Message> out;
  for (const Outgoing& o : swim.take_outgoing()) {
    if (o.to_addr != to) continue;
    DropReason why{};
    auto msgs = decode_packet(o.payload.data(), o.payload.size(), &why);
    EXPECT_TRUE(msgs.ok());
    if (msgs) out.insert(out.end(), msgs->begin(), msgs->end());
  }
  return out;
}

TEST(Swim, StaleAccuserIsToldTheNewerAliveDirectly) {
  Cluster c;
  Swim& a = c.add("a");
  Bytes alive = packet(Alive{"x", "addr-x", 2, *encode_meta({})});
  a.handle_packet(c.now, "addr-x", alive.data(), alive.size());
  a.take_outgoing();
  Bytes stale = packet(Suspect{"x", 1, "y"});
  a.handle_packet(c.now, "addr-y", stale.data(), stale.size());
  bool corrected = false;
  for (const Message& m : sent_to(a, "addr-y"))
    if (auto* al = std::get_if<Alive>(&m)) corrected |= al->node == "x" && al->incarnation == 2;
  EXPECT_TRUE(corrected);
  EXPECT_EQ(a.member(NodeId{"x"})->status, MemberStatus::kAlive);
}

TEST(Swim, AccuserOfALeftNodeIsToldItLeft) {
  Cluster c;
  Swim& a = c.add("a");
  Bytes alive = packet(Alive{"x", "addr-x", 2, *encode_meta({})});
  a.handle_packet(c.now, "addr-x", alive.data(), alive.size());
  Bytes leave = packet(Leave{"x", 2});
  a.handle_packet(c.now, "addr-x", leave.data(), leave.size());
  a.take_outgoing();
  Bytes accuse = packet(Suspect{"x", 2, "y"});
  a.handle_packet(c.now, "addr-y", accuse.data(), accuse.size());
  bool told = false;
  for (const Message& m : sent_to(a, "addr-y"))
    if (auto* l = std::get_if<Leave>(&m)) told |= l->node == "x";
  EXPECT_TRUE(told);
  EXPECT_EQ(a.member(NodeId{"x"})->status, MemberStatus::kLeft);
}

TEST(Swim, StaleAccusationOfSelfReannouncesWithoutBumping) {
  Cluster c;
  Swim& b = c.add("b", lan_config(), 3);
  (void)b.take_outgoing();
  // Drain the initial alive from the queue by sending packets until it is spent.
  for (int i = 0; i < 50; ++i) {
    Bytes ping = packet(Ping{static_cast<std::uint32_t>(i), "b", "x"});
    b.handle_packet(c.now, "addr-x", ping.data(), ping.size());
  }
  (void)b.take_outgoing();
  Bytes stale = packet(Suspect{"b", 2, "x"});
  b.handle_packet(c.now, "addr-x", stale.data(), stale.size());
  EXPECT_EQ(b.incarnation(), 3u);
  EXPECT_EQ(b.counters().refutations, 0u);
  Bytes ping = packet(Ping{99, "b", "x"});
  b.handle_packet(c.now, "addr-x", ping.data(), ping.size());
  bool announced = false;
  for (const Message& m : sent_to(b, "addr-x"))
    if (auto* al = std::get_if<Alive>(&m)) announced |= al->node == "b" && al->incarnation == 3;
  EXPECT_TRUE(announced);
}

TEST(Swim, BuddySystemTellsASuspectFirstWhenProbingIt) {
  Cluster c;
  c.add("a");
  c.add("b").join(c.now, {"addr-a"});
  c.deliver_all();
  Bytes s = packet(Suspect{"b", 0, "x"});
  c.at("a").handle_packet(c.now, "addr-x", s.data(), s.size());
  c.at("a").take_outgoing();
  // Advance a alone until it probes b.
  Swim& a = c.at("a");
  for (int i = 0; i < 100; ++i) {
    c.now = a.next_deadline_ms();
    a.tick(c.now);
    for (const Outgoing& out : a.take_outgoing()) {
      if (out.to_addr != "addr-b" || out.reliable) continue;
      DropReason why{};
      auto msgs = decode_packet(out.payload.data(), out.payload.size(), &why);
      ASSERT_TRUE(msgs.ok());
      bool has_ping = false;
      for (const Message& m : *msgs) has_ping |= std::holds_alternative<Ping>(m);
      if (!has_ping) continue;
      ASSERT_TRUE(std::holds_alternative<Suspect>(msgs->front()));
      EXPECT_EQ(std::get<Suspect>(msgs->front()).node, "b");
      return;
    }
  }
  FAIL() << "a never probed b";
}

TEST(Swim, HealthScoreRisesOnMissedNacksAndFallsOnAcks) {
  Cluster c;
  c.add("a");
  for (const char* n : {"b", "c", "d"}) c.add(n).join(c.now, {"addr-a"});
  c.deliver_all();
  c.advance_to(c.now + 1'000);
  // a hears nothing at all: every probe fails and no nack comes back.
  c.drop = [](const std::string& from, const std::string& to) { return to == "addr-a"; };
  c.advance_to(c.now + 3'000);
  EXPECT_GT(c.at("a").health_score(), 0);
  c.drop = [](const std::string&, const std::string&) { return false; };
  c.advance_to(c.now + 120'000);
  EXPECT_EQ(c.at("a").health_score(), 0);
}

TEST(Swim, LeaveIsSeenAsLeftNotFailed) {
  Cluster c;
  c.add("a");
  for (const char* n : {"b", "c"}) c.add(n).join(c.now, {"addr-a"});
  c.deliver_all();
  c.at("c").leave(c.now);
  EXPECT_FALSE(c.at("c").leave_broadcast_done());
  for (int i = 0; i < 100 && !c.at("c").leave_broadcast_done(); ++i) c.advance_to(c.now + 100);
  EXPECT_TRUE(c.at("c").leave_broadcast_done());
  c.nodes.erase("addr-c");
  c.advance_to(c.now + 60'000);
  EXPECT_EQ(c.status("a", "c"), MemberStatus::kLeft);
  EXPECT_EQ(c.status("b", "c"), MemberStatus::kLeft);
  for (const auto& [addr, evs] : c.events)
    for (const Event& e : evs) EXPECT_NE(e.kind, Event::kFailed) << addr;
}

TEST(Swim, StaleAliveIsIgnored) {
  Cluster c;
  Swim& a = c.add("a");
  Bytes fresh = packet(Alive{"z", "addr-z", 5, *encode_meta({})});
  a.handle_packet(c.now, "addr-z", fresh.data(), fresh.size());
  NodeMeta m;
  m.version = "2";
  Bytes stale = packet(Alive{"z", "addr-z2", 4, *encode_meta(m)});
  a.handle_packet(c.now, "addr-z", stale.data(), stale.size());
  EXPECT_EQ(a.member(NodeId{"z"})->addr, "addr-z");
  Bytes newer = packet(Alive{"z", "addr-z2", 6, *encode_meta(m)});
  a.handle_packet(c.now, "addr-z", newer.data(), newer.size());
  EXPECT_EQ(a.member(NodeId{"z"})->addr, "addr-z2");
  EXPECT_EQ(a.member(NodeId{"z"})->meta.version, "2");
  auto evs = a.take_events();
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].kind, Event::kJoined);
  EXPECT_EQ(evs[1].kind, Event::kUpdated);
}

TEST(Swim, AliveWithOversizedMetaIsDropped) {
  Cluster c;
  Swim& a = c.add("a");
  Bytes bad = packet(Alive{"z", "addr-z", 1, Bytes(600, 0x90)});
  a.handle_packet(c.now, "addr-z", bad.data(), bad.size());
  EXPECT_FALSE(a.member(NodeId{"z"}));
  EXPECT_EQ(a.counters().dropped[static_cast<std::size_t>(DropReason::kMalformed)], 1u);
}

TEST(Swim, MemberTableIsBounded) {
  Cluster c;
  Config cfg = lan_config();
  cfg.members_max = 3;
  Swim& a = c.add("a", cfg);
  for (const char* n : {"x", "y", "z"}) {
    Bytes alive = packet(Alive{n, std::string("addr-") + n, 1, *encode_meta({})});
    a.handle_packet(c.now, "addr-x", alive.data(), alive.size());
  }
  EXPECT_EQ(a.members().size(), 3u);
  EXPECT_FALSE(a.member(NodeId{"z"}));
  EXPECT_EQ(a.counters().dropped[static_cast<std::size_t>(DropReason::kOversized)], 1u);
}

TEST(Swim, DuplicateUserBroadcastIsDeliveredOnce) {
  Cluster c;
  Swim& a = c.add("a");
  Bytes u = packet(UserMsg{"b", 99, Bytes{4, 5}});
  a.handle_packet(c.now, "addr-b", u.data(), u.size());
  a.handle_packet(c.now, "addr-b", u.data(), u.size());
  auto got = a.take_user_payloads();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, (Bytes{4, 5}));
  EXPECT_EQ(a.counters().user_payloads_received, 1u);
}

TEST(Swim, UserBroadcastIsDeliveredOnceEverywhere) {
  Cluster c;
  c.add("a");
  for (const char* n : {"b", "c", "d"}) c.add(n).join(c.now, {"addr-a"});
  c.deliver_all();
  c.advance_to(c.now + 1'000);
  const std::size_t depth_before = c.at("a").broadcast_queue_depth();
  ASSERT_TRUE(c.at("a").broadcast_user(Bytes{1, 2, 3}).ok());
  EXPECT_EQ(c.at("a").broadcast_queue_depth(), depth_before + 1);  // queued until its retransmits are done
  c.advance_to(c.now + 5'000);
  EXPECT_EQ(c.at("a").broadcast_queue_depth(), 0u);
  EXPECT_TRUE(c.payloads["addr-a"].empty());  // not delivered to its origin
  for (const char* n : {"b", "c", "d"}) {
    const auto& got = c.payloads["addr-" + std::string(n)];
    ASSERT_EQ(got.size(), 1u) << n;
    EXPECT_EQ(got[0].kind, UserPayload::kBroadcast);
    EXPECT_EQ(got[0].from.name, "a");
    EXPECT_EQ(got[0].data, (Bytes{1, 2, 3}));
  }
}

TEST(Swim, UserBroadcastTooLargeForAPacketIsAnError) {
  Cluster c;
  Swim& a = c.add("a");
  auto st = a.broadcast_user(Bytes(2000, 7));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("user payload"), std::string::npos);
  EXPECT_TRUE(a.broadcast_user(Bytes(1000, 7)).ok());
}

TEST(Swim, PushPullCarriesUserStateBothWays) {
  Cluster c;
  c.add("a").set_user_state([] { return Bytes{0xa}; });
  Swim& b = c.add("b");
  b.set_user_state([] { return Bytes{0xb}; });
  b.join(c.now, {"addr-a"});
  c.deliver_all();
  ASSERT_EQ(c.payloads["addr-a"].size(), 1u);
  EXPECT_EQ(c.payloads["addr-a"][0].kind, UserPayload::kRemoteState);
  EXPECT_EQ(c.payloads["addr-a"][0].data, Bytes{0xb});
  ASSERT_EQ(c.payloads["addr-b"].size(), 1u);
  EXPECT_EQ(c.payloads["addr-b"][0].data, Bytes{0xa});
  EXPECT_EQ(c.payloads["addr-b"][0].from.name, "a");
}

TEST(Swim, StreamAcceptsOnlyPushPull) {
  Cluster c;
  Swim& a = c.add("a");
  Bytes ping = packet(Ping{1, "a", "x"});
  EXPECT_FALSE(a.handle_stream(c.now, "addr-x", ping.data(), ping.size()));
  EXPECT_EQ(a.counters().dropped[static_cast<std::size_t>(DropReason::kUnknownType)], 1u);
}

TEST(Swim, UpdateMetaBumpsIncarnationAndSpreads) {
  Cluster c;
  c.add("a");
  c.add("b").join(c.now, {"addr-a"});
  c.deliver_all();
  NodeMeta m;
  m.labels["zone"] = "z1";
  m.cpu_millis = 2000;
  ASSERT_TRUE(c.at("b").update_meta(c.now, m).ok());
  EXPECT_EQ(c.at("b").incarnation(), 1u);
  c.advance_to(c.now + 2'000);
  EXPECT_EQ(c.at("a").member(NodeId{"b"})->meta, m);
  NodeMeta big;
  big.labels["x"] = std::string(700, 'x');
  EXPECT_FALSE(c.at("b").update_meta(c.now, big).ok());
  EXPECT_EQ(c.at("b").incarnation(), 1u);
}

TEST(Swim, RestartedNodeWithHigherIncarnationRejoins) {
  Cluster c;
  c.add("a");
  for (const char* n : {"b", "c"}) c.add(n).join(c.now, {"addr-a"});
  c.deliver_all();
  c.nodes.erase("addr-c");
  c.advance_to(c.now + 60'000);
  ASSERT_EQ(c.status("a", "c"), MemberStatus::kFailed);
  c.add("c", lan_config(), 1).join(c.now, {"addr-a"});
  c.deliver_all();
  c.advance_to(c.now + 5'000);
  EXPECT_EQ(c.status("a", "c"), MemberStatus::kAlive);
  EXPECT_EQ(c.status("b", "c"), MemberStatus::kAlive);
  bool rejoined = false;
  for (const Event& e : c.events["addr-b"]) rejoined |= e.kind == Event::kJoined && e.member.id.name == "c" && e.member.incarnation >= 1;
  EXPECT_TRUE(rejoined);
}

TEST(Swim, RestartWithoutPersistedIncarnationRefutesItsOwnDeath) {
  Cluster c;
  c.add("a");
  for (const char* n : {"b", "c"}) c.add(n).join(c.now, {"addr-a"});
  c.deliver_all();
  c.nodes.erase("addr-c");
  c.advance_to(c.now + 60'000);
  ASSERT_EQ(c.status("a", "c"), MemberStatus::kFailed);
  c.add("c").join(c.now, {"addr-a"});  // incarnation 0 again
  c.deliver_all();
  c.advance_to(c.now + 5'000);
  EXPECT_GE(c.at("c").incarnation(), 1u);
  EXPECT_EQ(c.status("a", "c"), MemberStatus::kAlive);
}

TEST(Swim, NextDeadlineIsAlwaysInTheFutureAfterTick) {
  Cluster c;
  c.add("a");
  c.add("b").join(c.now, {"addr-a"});
  c.deliver_all();
  Swim& a = c.at("a");
  for (int i = 0; i < 200; ++i) {
    const std::uint64_t d = a.next_deadline_ms();
    ASSERT_NE(d, UINT64_MAX);
    c.now = std::max(c.now, d);
    a.tick(c.now);
    EXPECT_GT(a.next_deadline_ms(), c.now);
    c.deliver_all();
  }
}

TEST(Swim, BootstrapMembersSkipsSelfAndDuplicates) {
  Cluster c;
  Swim& a = c.add("a");
  auto info = [](const std::string& n) {
    return std::make_shared<const MemberInfo>(MemberInfo{NodeId{n}, "addr-" + n, {}, *encode_meta({})});
  };
  a.bootstrap_members(c.now, {{info("c"), 0, MemberStatus::kAlive},
                              {info("a"), 0, MemberStatus::kAlive},
                              {info("b"), 3, MemberStatus::kAlive},
                              {info("b"), 3, MemberStatus::kAlive}});
  auto ms = a.members();
  ASSERT_EQ(ms.size(), 3u);
  EXPECT_EQ(ms[0].id.name, "a");
  EXPECT_EQ(ms[1].id.name, "b");
  EXPECT_EQ(ms[1].incarnation, 3u);
  EXPECT_EQ(ms[2].id.name, "c");
  EXPECT_EQ(a.num_alive(), 3u);
  EXPECT_TRUE(a.take_events().empty());
}

}  // namespace
}  // namespace shoal::membership
