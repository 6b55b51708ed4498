#include "membership/swim.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <unordered_set>

#include <xxhash.h>

#include "membership/awareness.h"
#include "membership/broadcast_queue.h"
#include "membership/clock_offset.h"
#include "membership/messages.h"
#include "common/rng.h"
#include "membership/suspicion.h"

namespace shoal::membership {

const char* status_name(MemberStatus status) {
  switch (status) {
    case MemberStatus::kAlive: return "alive";
    case MemberStatus::kSuspect: return "suspect";
    case MemberStatus::kFailed: return "failed";
    case MemberStatus::kLeft: return "left";
  }
  return "unknown";
}

const char* event_kind_name(Event::Kind kind) {
  switch (kind) {
    case Event::kJoined: return "joined";
    case Event::kUpdated: return "updated";
    case Event::kSuspect: return "suspect";
    case Event::kFailed: return "failed";
    case Event::kLeft: return "left";
    case Event::kAlive: return "alive";
    case Event::kClockOffset: return "clock_offset";
    case Event::kClockOffsetOk: return "clock_offset_ok";
  }
  return "unknown";
}

namespace {
std::string signed_ms(std::int64_t ms) { return (ms >= 0 ? "+" : "") + std::to_string(ms) + " ms"; }
}  // namespace

std::string describe_event(const Event& e) {
  const Member& m = e.member;
  const std::string offset = m.clock_offset_ms ? signed_ms(*m.clock_offset_ms) : "unknown";
  if (e.kind == Event::kClockOffset)
    return "warning: member " + m.id.name + " clock offset " + offset +
           " (its wall clock minus ours) is beyond the warning threshold: membership is unaffected, but"
           " our hybrid logical clock will not adopt timestamps more than max_clock_offset_ms ahead of"
           " our own clock; that member's writes are still merged, and while its clock runs ahead they"
           " win over concurrent writes made elsewhere. Check NTP/RTC on whichever node is wrong";
  if (e.kind == Event::kClockOffsetOk)
    return "member " + m.id.name + " clock offset " + offset + " is back within the warning threshold";
  return "member " + m.id.name + " " + event_kind_name(e.kind) + " (" + status_name(m.status) +
         ", incarnation " + std::to_string(m.incarnation) + ")";
}

namespace {

constexpr std::uint64_t kNever = UINT64_MAX;
// Failed/left members are reaped at most this often (a scan of the member list).
constexpr std::uint64_t kReapIntervalMs = 60'000;

// Identity of a user broadcast for de-duplication: xxh3(origin || id).
std::uint64_t user_key(const UserMsg& m) {
  std::string buf = m.origin;
  buf.append(reinterpret_cast<const char*>(&m.id), sizeof m.id);
  return XXH3_64bits(buf.data(), buf.size());
}

bool is_live(MemberStatus s) { return s == MemberStatus::kAlive || s == MemberStatus::kSuspect; }

// One member as this node sees it. 40 bytes; the shared info carries the rest.
struct Record {
  std::shared_ptr<const MemberInfo> info;
  std::uint64_t incarnation = 0;
  std::uint64_t status_since_ms = 0;
  MemberStatus status = MemberStatus::kAlive;
};

// The probe in flight (one per probe interval).
struct Probe {
  bool active = false;
  std::string target;
  std::uint32_t seq = 0;
  std::uint64_t sent_ms = 0;          // when the ping left (round trip for the clock offset)
  std::uint64_t ack_deadline_ms = 0;  // direct ack expected by then, else ping-req
  std::uint64_t round_end_ms = 0;     // any ack expected by then, else suspect
  bool indirect_sent = false;
  std::uint32_t expected_nacks = 0;
  std::uint32_t nacks = 0;
};

// We probe `target` on behalf of a requester (ping-req).
struct Relay {
  std::string requester_addr;
  std::uint32_t requester_seq = 0;
  std::uint64_t nack_deadline_ms = 0;
  bool want_nack = true;
};

}  // namespace

struct Swim::State {
  State(Config c, std::uint64_t seed)
      : cfg(c), rng(seed), awareness(c.awareness_max_multiplier), queue(c.broadcast_queue_max) {}

  Config cfg;
  Rng rng;
  Awareness awareness;
  BroadcastQueue queue;

  std::vector<Record> members;      // members[0] is self
  std::vector<std::uint32_t> by_name;  // indices into members, sorted by name
  std::vector<std::uint32_t> probe_order;
  std::size_t probe_pos = 0;
  std::size_t n_live = 0;  // alive + suspect, self included

  std::map<std::string, Suspicion> suspicions;  // by member name
  std::map<std::string, ClockOffset> offsets;   // by member name; erased when it is reaped
  std::uint64_t wall_now = 0;  // the shell's wall clock during handle_packet (0 = unknown)
  Probe probe;
  std::map<std::uint32_t, Relay> relays;  // by the seq of our ping to the target
  std::uint32_t next_seq = 1;

  std::uint64_t next_probe_ms = 0;
  std::uint64_t next_gossip_ms = 0;
  std::uint64_t next_push_pull_ms = 0;
  std::uint64_t next_reap_ms = 0;
  // Earliest time a ping from a member we do not know may start a push-pull with it (see
  // on_ping): one per probe interval, so a burst of unknown probers costs one exchange each.
  std::uint64_t next_unknown_sync_ms = 0;

  bool left = false;
  std::function<Bytes()> user_state;
  std::deque<std::uint64_t> user_seen_order;
  std::unordered_set<std::uint64_t> user_seen;  // membership test only

  std::vector<Outgoing> outgoing;
  std::vector<Event> events;
  std::vector<UserPayload> user_payloads;
  Counters counters;

  // --- member table ---

  Record& self() { return members[0]; }
  const Record& self() const { return members[0]; }
  const std::string& self_name() const { return members[0].info->id.name; }

  std::optional<std::uint32_t> find(const std::string& name) const {
    auto it = std::lower_bound(by_name.begin(), by_name.end(), name,
                               [&](std::uint32_t i, const std::string& n) { return members[i].info->id.name < n; });
    if (it == by_name.end() || members[*it].info->id.name != name) return std::nullopt;
    return *it;
  }

  std::uint32_t insert(std::shared_ptr<const MemberInfo> info, std::uint64_t incarnation,
                       MemberStatus status, std::uint64_t now_ms) {
    const auto idx = static_cast<std::uint32_t>(members.size());
    const std::string& name = info->id.name;
    auto pos = std::lower_bound(by_name.begin(), by_name.end(), name,
                                [&](std::uint32_t i, const std::string& n) { return members[i].info->id.name < n; });
    members.push_back(Record{std::move(info), incarnation, now_ms, status});
    by_name.insert(pos, idx);
    // A random slot, so new members are not always probed first (memberlist does the same).
    probe_order.insert(probe_order.begin() + static_cast<std::ptrdiff_t>(rng.below(probe_order.size() + 1)), idx);
    if (is_live(status)) ++n_live;
    return idx;
  }

  void set_status(std::uint32_t idx, MemberStatus status, std::uint64_t now_ms) {
    Record& r = members[idx];
    if (r.status == status) return;
    if (is_live(r.status)) --n_live;
    if (is_live(status)) ++n_live;
    r.status = status;
    r.status_since_ms = now_ms;
  }

  Member to_member(const Record& r) const {
    auto off = offsets.find(r.info->id.name);
    return Member{r.info->id, r.info->addr, r.status, r.incarnation, r.info->meta, r.status_since_ms,
                  off == offsets.end() ? std::nullopt : off->second.offset_ms()};
  }

  void emit(Event::Kind kind, std::uint32_t idx) { events.push_back(Event{kind, to_member(members[idx])}); }

  // --- sending ---

  void enqueue(const std::string& key, Bytes encoded, std::uint32_t transmit_mult) {
    queue.enqueue(key, std::move(encoded), transmit_mult);
    counters.broadcasts_dropped = queue.dropped();
  }

  void broadcast(const std::string& key, const Message& m) { enqueue(key, encode_message(m), cfg.retransmit_mult); }

  void emit_packet(const std::string& to, Bytes payload, bool reliable, const std::string& to_node = {}) {
    ++counters.packets_sent;
    counters.bytes_sent += payload.size();
    outgoing.push_back(Outgoing{to, std::move(payload), reliable, to_node});
  }

  // Sends `primary` messages in one datagram, filling the rest of the budget with broadcasts.
  // to_node: the destination's name if known (bound into the seal by the shell).
  void send_udp(const std::string& to, std::vector<Bytes> primary, const std::string& to_node = {}) {
    std::size_t used = kCompoundOverheadBytes;
    for (const Bytes& b : primary) used += b.size() + kCompoundPartOverheadBytes;
    const std::size_t budget = cfg.packet_budget_bytes();
    if (used < budget) {
      for (Bytes& b : queue.take(budget - used, kCompoundPartOverheadBytes, n_live)) primary.push_back(std::move(b));
    }
    if (primary.size() == 1) {
      emit_packet(to, std::move(primary[0]), false, to_node);
    } else {
      emit_packet(to, encode_compound(primary), false, to_node);
    }
  }

  Alive self_alive() const {
    return Alive{self_name(), self().info->addr, self().incarnation, self().info->meta_bytes};
  }

  PushPull make_push_pull(bool join, bool reply) const {
    PushPull pp;
    pp.from = self_name();
    pp.join = join;
    pp.reply = reply;
    pp.members.reserve(members.size());
    for (std::uint32_t idx : by_name) {
      const Record& r = members[idx];
      pp.members.push_back(PushPullEntry{r.info->id.name, r.info->addr, static_cast<std::uint8_t>(r.status),
                                         r.incarnation, r.info->meta_bytes});
    }
    if (user_state) pp.user_state = user_state();
    return pp;
  }

  // Up to k distinct members, uniformly at random, that pass `eligible`; bounded attempts.
  template <typename Pred>
  std::vector<std::uint32_t> random_members(std::size_t k, Pred eligible) {
    std::vector<std::uint32_t> out;
    const std::size_t n = members.size();
    for (std::size_t attempt = 0; attempt < 3 * n + 3 && out.size() < k; ++attempt) {
      const auto idx = static_cast<std::uint32_t>(rng.below(n));
      if (idx == 0 || !eligible(members[idx])) continue;
      if (std::find(out.begin(), out.end(), idx) != out.end()) continue;
      out.push_back(idx);
    }
    return out;
  }

  // --- state changes (memberlist aliveNode / suspectNode / deadNode) ---

  void refute(std::uint64_t accused_incarnation) {
    self().incarnation = std::max(self().incarnation, accused_incarnation) + 1;
    ++counters.refutations;
    awareness.apply_delta(1);
    broadcast(self_name(), self_alive());
  }

  void on_alive(std::uint64_t now_ms, const Alive& a) {
    if (a.node == self_name()) {
      if (left) return;
      const bool differs = a.addr != self().info->addr || a.meta != self().info->meta_bytes;
      if (a.incarnation > self().incarnation || (a.incarnation == self().incarnation && differs)) {
        // Someone speaks for us with newer or different data (a previous life): override.
        self().incarnation = std::max(self().incarnation, a.incarnation) + 1;
        ++counters.refutations;
        broadcast(self_name(), self_alive());
      }
      return;
    }
    auto idx = find(a.node);
    if (idx && a.incarnation <= members[*idx].incarnation) return;
    auto meta = decode_meta(a.meta, cfg.meta_max_bytes);
    if (!meta) {
      ++counters.dropped[static_cast<std::size_t>(DropReason::kMalformed)];
      return;
    }
    if (!idx) {
      if (members.size() >= cfg.members_max) {
        ++counters.dropped[static_cast<std::size_t>(DropReason::kOversized)];
        return;
      }
      auto info = std::make_shared<const MemberInfo>(MemberInfo{NodeId{a.node}, a.addr, std::move(*meta), a.meta});
      emit(Event::kJoined, insert(std::move(info), a.incarnation, MemberStatus::kAlive, now_ms));
      broadcast(a.node, a);
      return;
    }
    Record& r = members[*idx];
    const MemberStatus old = r.status;
    const bool changed = a.addr != r.info->addr || a.meta != r.info->meta_bytes;
    r.incarnation = a.incarnation;
    if (changed) r.info = std::make_shared<const MemberInfo>(MemberInfo{NodeId{a.node}, a.addr, std::move(*meta), a.meta});
    suspicions.erase(a.node);
    set_status(*idx, MemberStatus::kAlive, now_ms);
    if (old == MemberStatus::kSuspect) {
      emit(Event::kAlive, *idx);
    } else if (old != MemberStatus::kAlive) {
      emit(Event::kJoined, *idx);
    } else if (changed) {
      emit(Event::kUpdated, *idx);
    }
    broadcast(a.node, a);
  }

  // A stale accusation of us (older than our incarnation): someone missed our refutation. Queue
  // our alive again if it is not queued (no incarnation bump). With the buddy system the
  // accuser's next probe carries the stale suspect and our ack carries the answer, so a single
  // lost refutation cannot turn into a false death.
  void reannounce_self() {
    if (!left && !queue.contains(self_name())) broadcast(self_name(), self_alive());
  }

  // The sender gossips an accusation older than what we know: it holds a stale suspicion,
  // most likely because it missed the refutation (it heard the suspect late, after the alive
  // had spread and its retransmits were spent). Tell it directly; one datagram per stale
  // message, instead of letting its timer declare a live node failed.
  // The same holds for accusations of a member that left: the accuser missed the leave.
  void correct_stale(const std::string& to_addr, std::uint32_t idx) {
    const Record& r = members[idx];
    if (to_addr.empty() || idx == 0) return;
    if (r.status == MemberStatus::kAlive) {
      send_udp(to_addr, {encode_message(Alive{r.info->id.name, r.info->addr, r.incarnation, r.info->meta_bytes})});  // to_node: learned by the shell
    } else if (r.status == MemberStatus::kLeft) {
      send_udp(to_addr, {encode_message(Leave{r.info->id.name, r.incarnation})});
    }
  }

  // from_addr: the datagram's sender, or empty for a push-pull entry.
  void on_suspect(std::uint64_t now_ms, const Suspect& s, const std::string& from_addr) {
    if (s.node == self_name() && s.incarnation < self().incarnation) {
      reannounce_self();
      return;
    }
    auto idx = find(s.node);
    if (!idx) return;
    Record& r = members[*idx];
    if (s.incarnation < r.incarnation) {
      correct_stale(from_addr, *idx);
      return;
    }
    if (auto it = suspicions.find(s.node); it != suspicions.end()) {
      if (it->second.confirm(s.from)) broadcast(s.node, s);
      return;
    }
    if (r.status != MemberStatus::kAlive) {
      if (r.status == MemberStatus::kLeft) correct_stale(from_addr, *idx);
      return;
    }
    if (*idx == 0) {
      if (!left) refute(s.incarnation);
      return;
    }
    r.incarnation = s.incarnation;
    set_status(*idx, MemberStatus::kSuspect, now_ms);
    const std::uint64_t min_ms = suspicion_min_timeout_ms(cfg.suspicion_mult, n_live, cfg.probe_interval_ms);
    suspicions.emplace(s.node, Suspicion(s.from, suspicion_expected_confirmations(cfg.suspicion_mult, n_live),
                                         min_ms, min_ms * cfg.suspicion_max_timeout_mult, now_ms));
    emit(Event::kSuspect, *idx);
    broadcast(s.node, s);
  }

  // Dead (failed) or left. A leave also overrides failed: the node said goodbye, whatever we
  // concluded meanwhile.
  void on_dead(std::uint64_t now_ms, const std::string& node, std::uint64_t incarnation,
               const std::string& from, bool leaving, const std::string& from_addr = {}) {
    if (node == self_name() && incarnation < self().incarnation) {
      reannounce_self();
      return;
    }
    auto idx = find(node);
    if (!idx) return;
    Record& r = members[*idx];
    if (incarnation < r.incarnation) {
      correct_stale(from_addr, *idx);
      return;
    }
    if (r.status == MemberStatus::kLeft) {
      if (!leaving) correct_stale(from_addr, *idx);
      return;
    }
    if (r.status == MemberStatus::kFailed && !leaving) return;
    if (*idx == 0) {
      if (left) return;
      refute(incarnation);
      if (!leaving) ++counters.death_refutations;  // a leave in our name is a past life, not a death
      return;
    }
    r.incarnation = incarnation;
    suspicions.erase(node);
    set_status(*idx, leaving ? MemberStatus::kLeft : MemberStatus::kFailed, now_ms);
    if (leaving) {
      emit(Event::kLeft, *idx);
      broadcast(node, Leave{node, incarnation});
    } else {
      ++counters.failures_declared;
      emit(Event::kFailed, *idx);
      broadcast(node, Dead{node, incarnation, from});
    }
  }

  void on_user(const UserMsg& m) {
    if (!remember_user(user_key(m))) return;
    if (m.origin == self_name()) return;
    ++counters.user_payloads_received;
    user_payloads.push_back(UserPayload{UserPayload::kBroadcast, NodeId{m.origin}, m.payload});
    Bytes encoded = encode_message(m);
    // A peer with a larger packet budget may send what we could never forward; deliver only.
    if (encoded.size() + kCompoundOverheadBytes + kCompoundPartOverheadBytes <= cfg.packet_budget_bytes())
      enqueue("", std::move(encoded), cfg.user_retransmit_mult);
  }

  // True if the key is new (and now remembered, within user_seen_max).
  bool remember_user(std::uint64_t key) {
    if (!user_seen.insert(key).second) return false;
    user_seen_order.push_back(key);
    if (user_seen_order.size() > cfg.user_seen_max) {
      user_seen.erase(user_seen_order.front());
      user_seen_order.pop_front();
    }
    return true;
  }

  void merge(std::uint64_t now_ms, const PushPull& pp) {
    for (const PushPullEntry& e : pp.members) {
      switch (static_cast<MemberStatus>(e.status)) {
        case MemberStatus::kAlive:
          on_alive(now_ms, Alive{e.node, e.addr, e.incarnation, e.meta});
          break;
        case MemberStatus::kSuspect:
        case MemberStatus::kFailed:
          // Like memberlist: a remote "failed" only makes us suspect; our own timer decides.
          on_suspect(now_ms, Suspect{e.node, e.incarnation, pp.from}, {});
          break;
        case MemberStatus::kLeft:
          on_dead(now_ms, e.node, e.incarnation, e.node, true);
          break;
      }
    }
    if (!pp.user_state.empty()) {
      user_payloads.push_back(UserPayload{UserPayload::kRemoteState, NodeId{pp.from}, pp.user_state});
    }
  }

  // --- probing (SWIM + Lifeguard) ---

  std::optional<std::uint32_t> next_probe_target() {
    for (std::size_t step = 0; step <= probe_order.size(); ++step) {
      if (probe_pos >= probe_order.size()) {
        // New round: reshuffle (Fisher-Yates) so probe order is random yet each member is
        // probed once per round (SWIM's bounded detection time).
        for (std::size_t i = probe_order.size(); i > 1; --i) std::swap(probe_order[i - 1], probe_order[rng.below(i)]);
        probe_pos = 0;
        if (probe_order.empty()) return std::nullopt;
      }
      const std::uint32_t idx = probe_order[probe_pos++];
      if (idx != 0 && is_live(members[idx].status)) return idx;
    }
    return std::nullopt;
  }

  void start_probe(std::uint64_t now_ms) {
    next_probe_ms = now_ms + awareness.scale_ms(cfg.probe_interval_ms);
    if (left) return;
    auto idx = next_probe_target();
    if (!idx) return;
    const Record& target = members[*idx];
    probe = Probe{true,
                  target.info->id.name,
                  next_seq++,
                  now_ms,
                  now_ms + awareness.scale_ms(cfg.probe_timeout_ms),
                  next_probe_ms,
                  false,
                  0,
                  0};
    std::vector<Bytes> parts;
    // Buddy system: tell a suspect first, so it can refute at once.
    if (target.status == MemberStatus::kSuspect)
      parts.push_back(encode_message(Suspect{target.info->id.name, target.incarnation, self_name()}));
    parts.push_back(encode_message(Ping{probe.seq, target.info->id.name, self_name()}));
    ++counters.probes_sent;
    send_udp(target.info->addr, std::move(parts), target.info->id.name);
  }

  void send_ping_reqs() {
    probe.indirect_sent = true;
    auto target = find(probe.target);
    if (!target) return;
    const std::string& target_addr = members[*target].info->addr;
    auto helpers = random_members(cfg.indirect_checks, [&](const Record& r) {
      return r.status == MemberStatus::kAlive && r.info->id.name != probe.target;
    });
    probe.expected_nacks = static_cast<std::uint32_t>(helpers.size());
    for (std::uint32_t h : helpers) {
      ++counters.ping_reqs_sent;
      send_udp(members[h].info->addr, {encode_message(PingReq{probe.seq, probe.target, target_addr, true})},
               members[h].info->id.name);
    }
  }

  void probe_succeeded() {
    // Lifeguard: only a timely direct ack is evidence that we are healthy.
    if (!probe.indirect_sent) awareness.apply_delta(-1);
    probe.active = false;
  }

  void probe_failed(std::uint64_t now_ms) {
    probe.active = false;
    ++counters.probes_failed;
    // Lifeguard: missing nacks mean our own packets are not getting through.
    if (probe.expected_nacks > 0) {
      awareness.apply_delta(static_cast<int>(probe.expected_nacks - std::min(probe.nacks, probe.expected_nacks)));
    } else {
      awareness.apply_delta(1);
    }
    auto idx = find(probe.target);
    if (!idx || !is_live(members[*idx].status)) return;
    if (members[*idx].status == MemberStatus::kAlive) ++counters.suspicions_raised;
    on_suspect(now_ms, Suspect{probe.target, members[*idx].incarnation, self_name()}, {});
  }

  void on_ping(std::uint64_t now_ms, const std::string& from_addr, const Ping& p) {
    if (p.target != self_name()) return;  // meant for a previous owner of this address
    send_udp(from_addr, {encode_message(Ack{p.seq, wall_now})}, p.source);
    sync_with_unknown_prober(now_ms, from_addr, p.source);
  }

  // A member probes us that we have never heard of: we missed every retransmission of its
  // `alive` (gossip under loss), and without this we would learn of it only at the next
  // periodic push-pull, 30 s or more later (the simulator saw 1 join in 400 at 5% loss miss its
  // 30 s bound; serf's 66.7 s join in ENVIRONMENT.md is the same gap). The probe proves the
  // sender is alive and holds the cluster key; one push-pull with it merges both views now.
  void sync_with_unknown_prober(std::uint64_t now_ms, const std::string& from_addr, const std::string& source) {
    if (left || source.empty() || source == self_name() || find(source).has_value()) return;
    if (now_ms < next_unknown_sync_ms) return;
    next_unknown_sync_ms = now_ms + cfg.probe_interval_ms;
    ++counters.push_pulls_sent;
    emit_packet(from_addr, encode_message(make_push_pull(false, false)), true, source);
  }

  void on_ping_req(std::uint64_t now_ms, const std::string& from_addr, const PingReq& req) {
    if (relays.size() >= cfg.relay_max) return;
    const std::uint32_t seq = next_seq++;
    relays.emplace(seq, Relay{from_addr, req.seq, now_ms + awareness.scale_ms(cfg.probe_timeout_ms), req.want_nack});
    send_udp(req.target_addr, {encode_message(Ping{seq, req.target, self_name()})}, req.target);
  }

  void on_ack(std::uint64_t now_ms, const Ack& a) {
    if (probe.active && a.seq == probe.seq) {
      ++counters.acks_received;
      // A relayed (or late direct) ack carries the target's wall time too; its longer round trip
      // only widens the error bound (+-rtt/2). Sampling every ack keeps offsets measured on a
      // loaded host, where acks often miss the direct deadline.
      sample_clock(probe.target, a.wall_ms, now_ms - probe.sent_ms);
      probe_succeeded();
      return;
    }
    if (auto it = relays.find(a.seq); it != relays.end()) {
      send_udp(it->second.requester_addr, {encode_message(Ack{it->second.requester_seq, a.wall_ms})});
      relays.erase(it);
    }
  }

  // One round trip to `name`: update its clock offset; warn on crossing the threshold.
  void sample_clock(const std::string& name, std::uint64_t their_wall_ms, std::uint64_t rtt_ms) {
    if (their_wall_ms == 0 || wall_now == 0) return;  // one side does not know its wall time
    auto idx = find(name);
    if (!idx) return;
    ClockOffset& off = offsets[name];
    off.add_sample(ClockOffset::sample_offset_ms(their_wall_ms, wall_now, rtt_ms));
    switch (off.update_warning(cfg.clock_offset_warn_ms)) {
      case ClockOffset::Crossing::kBeyond: emit(Event::kClockOffset, *idx); break;
      case ClockOffset::Crossing::kWithin: emit(Event::kClockOffsetOk, *idx); break;
      case ClockOffset::Crossing::kNone: break;
    }
  }

  void on_nack(const Nack& n) {
    if (probe.active && n.seq == probe.seq) {
      ++counters.nacks_received;
      ++probe.nacks;
    }
  }

  void dispatch(std::uint64_t now_ms, const std::string& from_addr, const Message& m) {
    std::visit(
        [&](const auto& msg) {
          using T = std::decay_t<decltype(msg)>;
          if constexpr (std::is_same_v<T, Ping>) on_ping(now_ms, from_addr, msg);
          else if constexpr (std::is_same_v<T, Ack>) on_ack(now_ms, msg);
          else if constexpr (std::is_same_v<T, PingReq>) on_ping_req(now_ms, from_addr, msg);
          else if constexpr (std::is_same_v<T, Nack>) on_nack(msg);
          else if constexpr (std::is_same_v<T, Suspect>) on_suspect(now_ms, msg, from_addr);
          else if constexpr (std::is_same_v<T, Alive>) on_alive(now_ms, msg);
          else if constexpr (std::is_same_v<T, Dead>) on_dead(now_ms, msg.node, msg.incarnation, msg.from, false, from_addr);
          else if constexpr (std::is_same_v<T, Leave>) on_dead(now_ms, msg.node, msg.incarnation, msg.node, true);
          else if constexpr (std::is_same_v<T, UserMsg>) on_user(msg);
          else if constexpr (std::is_same_v<T, PushPull>)
            ++counters.dropped[static_cast<std::size_t>(DropReason::kMalformed)];  // stream only
        },
        m);
  }

  // --- periodic work ---

  void gossip(std::uint64_t now_ms) {
    if (queue.empty()) return;
    auto targets = random_members(cfg.gossip_nodes, [&](const Record& r) {
      return is_live(r.status) || now_ms - r.status_since_ms < cfg.gossip_to_the_dead_ms;
    });
    for (std::uint32_t t : targets) {
      auto parts = queue.take(cfg.packet_budget_bytes() - kCompoundOverheadBytes, kCompoundPartOverheadBytes, n_live);
      if (parts.empty()) break;
      emit_packet(members[t].info->addr, parts.size() == 1 ? std::move(parts[0]) : encode_compound(parts), false,
                  members[t].info->id.name);
    }
  }

  std::uint64_t push_pull_interval_ms() const {
    // memberlist pushPullScale: above 32 nodes, x(ceil(log2 N - log2 32) + 1).
    if (n_live <= 32) return cfg.push_pull_interval_ms;
    const double mult = std::ceil(std::log2(static_cast<double>(n_live)) - 5.0) + 1.0;
    return static_cast<std::uint64_t>(mult) * cfg.push_pull_interval_ms;
  }

  void periodic_push_pull(std::uint64_t now_ms) {
    next_push_pull_ms = now_ms + push_pull_interval_ms();
    if (left) return;
    auto peer = random_members(1, [](const Record& r) { return r.status == MemberStatus::kAlive; });
    // Reconnect (serf's reconnect_interval): also try one random failed member. After a
    // partition longer than gossip_to_the_dead_ms nobody gossips across any more; this
    // exchange makes both sides refute and the views merge again.
    auto lost = random_members(1, [](const Record& r) { return r.status == MemberStatus::kFailed; });
    peer.insert(peer.end(), lost.begin(), lost.end());
    for (std::uint32_t idx : peer) {
      ++counters.push_pulls_sent;
      emit_packet(members[idx].info->addr, encode_message(make_push_pull(false, false)), true,
                  members[idx].info->id.name);
    }
  }

  void reap(std::uint64_t now_ms) {
    next_reap_ms = now_ms + kReapIntervalMs;
    auto expired = [&](const Record& r) {
      return !is_live(r.status) && now_ms - r.status_since_ms >= cfg.dead_member_retention_ms;
    };
    if (std::none_of(members.begin() + 1, members.end(), expired)) return;
    std::vector<Record> kept;
    kept.reserve(members.size());
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i == 0 || !expired(members[i])) kept.push_back(std::move(members[i]));
      else offsets.erase(members[i].info->id.name);
    }
    members = std::move(kept);
    by_name.resize(members.size());
    for (std::uint32_t i = 0; i < members.size(); ++i) by_name[i] = i;
    std::sort(by_name.begin(), by_name.end(),
              [&](std::uint32_t a, std::uint32_t b) { return members[a].info->id.name < members[b].info->id.name; });
    probe_order = by_name;
    probe_pos = probe_order.size();  // reshuffle at the next probe
  }

  void expire_relays(std::uint64_t now_ms) {
    for (auto it = relays.begin(); it != relays.end();) {
      if (it->second.nack_deadline_ms > now_ms) {
        ++it;
        continue;
      }
      if (it->second.want_nack) {
        ++counters.nacks_sent;
        send_udp(it->second.requester_addr, {encode_message(Nack{it->second.requester_seq})});
      }
      it = relays.erase(it);
    }
  }

  void expire_suspicions(std::uint64_t now_ms) {
    std::vector<std::string> due;  // collected first: on_dead erases from `suspicions`
    for (const auto& [name, s] : suspicions)
      if (s.deadline_ms() <= now_ms) due.push_back(name);
    for (const std::string& name : due) {
      auto idx = find(name);
      SHOAL_ASSERT(idx.has_value());
      on_dead(now_ms, name, members[*idx].incarnation, self_name(), false);
      suspicions.erase(name);
    }
  }

  void tick(std::uint64_t now_ms) {
    if (probe.active && !probe.indirect_sent && now_ms >= probe.ack_deadline_ms) send_ping_reqs();
    if (probe.active && now_ms >= probe.round_end_ms) probe_failed(now_ms);
    if (now_ms >= next_probe_ms) start_probe(now_ms);
    expire_relays(now_ms);
    expire_suspicions(now_ms);
    if (now_ms >= next_gossip_ms) {
      gossip(now_ms);
      next_gossip_ms = now_ms + cfg.gossip_interval_ms;
    }
    if (now_ms >= next_push_pull_ms) periodic_push_pull(now_ms);
    if (now_ms >= next_reap_ms) reap(now_ms);
  }

  std::uint64_t next_deadline_ms() const {
    std::uint64_t d = std::min({next_probe_ms, next_push_pull_ms, next_reap_ms});
    // An empty queue needs no gossip round; when news arrives, the overdue timer fires at once.
    if (!queue.empty()) d = std::min(d, next_gossip_ms);
    if (probe.active) d = std::min(d, probe.indirect_sent ? probe.round_end_ms : probe.ack_deadline_ms);
    for (const auto& [seq, r] : relays) d = std::min(d, r.nack_deadline_ms);
    for (const auto& [name, s] : suspicions) d = std::min(d, s.deadline_ms());
    return d;
  }
};

Swim::Swim(std::unique_ptr<State> state) : state_(std::move(state)) {}
Swim::Swim(Swim&&) noexcept = default;
Swim& Swim::operator=(Swim&&) noexcept = default;
Swim::~Swim() = default;

Result<Swim> Swim::create(Config config, NodeId self, std::string self_addr, NodeMeta meta,
                          std::uint64_t seed, std::uint64_t now_ms, std::uint64_t initial_incarnation) {
  if (auto ok = validate(config); !ok) return ok.error();
  if (auto id = parse_node_id(self.name); !id) return id.error();
  if (self_addr.empty()) return make_error("membership: the self address is empty; give ip:port");
  auto meta_bytes = encode_meta(meta, config.meta_max_bytes);
  if (!meta_bytes) return meta_bytes.error();
  auto st = std::make_unique<State>(config, seed);
  auto info = std::make_shared<const MemberInfo>(
      MemberInfo{std::move(self), std::move(self_addr), std::move(meta), std::move(*meta_bytes)});
  st->insert(std::move(info), initial_incarnation, MemberStatus::kAlive, now_ms);
  // Stagger the timers so nodes started together do not tick in lockstep (memberlist too).
  st->next_probe_ms = now_ms + st->rng.below(config.probe_interval_ms);
  st->next_gossip_ms = now_ms + st->rng.below(config.gossip_interval_ms);
  st->next_push_pull_ms = now_ms + config.push_pull_interval_ms + st->rng.below(config.push_pull_interval_ms);
  st->next_reap_ms = now_ms + kReapIntervalMs;
  st->broadcast(st->self_name(), st->self_alive());
  return Swim(std::move(st));
}

void Swim::join(std::uint64_t now_ms, const std::vector<std::string>& seed_addrs) {
  for (const std::string& addr : seed_addrs) {
    if (addr == state_->self().info->addr) continue;
    ++state_->counters.push_pulls_sent;
    state_->emit_packet(addr, encode_message(state_->make_push_pull(true, false)), true);
  }
}

void Swim::leave(std::uint64_t now_ms) {
  State& s = *state_;
  if (s.left) return;
  s.left = true;
  s.set_status(0, MemberStatus::kLeft, now_ms);
  s.probe.active = false;
  s.broadcast(s.self_name(), Leave{s.self_name(), s.self().incarnation});
}

bool Swim::leave_broadcast_done() const { return state_->left && !state_->queue.contains(state_->self_name()); }

void Swim::handle_packet(std::uint64_t now_ms, const std::string& from_addr, const std::uint8_t* data,
                         std::size_t size, std::uint64_t wall_ms) {
  State& s = *state_;
  s.wall_now = wall_ms;
  ++s.counters.packets_received;
  s.counters.bytes_received += size;
  DropReason why = DropReason::kMalformed;
  auto msgs = decode_packet(data, size, &why);
  if (!msgs) {
    count_drop(why);
    return;
  }
  for (const Message& m : *msgs) s.dispatch(now_ms, from_addr, m);
}

std::optional<Bytes> Swim::handle_stream(std::uint64_t now_ms, const std::string& from_addr,
                                         const std::uint8_t* data, std::size_t size) {
  State& s = *state_;
  ++s.counters.packets_received;
  s.counters.bytes_received += size;
  DropReason why = DropReason::kMalformed;
  auto msgs = decode_packet(data, size, &why);
  if (!msgs) {
    count_drop(why);
    return std::nullopt;
  }
  if (msgs->size() != 1 || !std::holds_alternative<PushPull>(msgs->front())) {
    count_drop(DropReason::kUnknownType);
    return std::nullopt;
  }
  const PushPull& pp = std::get<PushPull>(msgs->front());
  ++s.counters.push_pulls_received;
  s.merge(now_ms, pp);
  if (pp.reply) return std::nullopt;
  Bytes reply = encode_message(s.make_push_pull(false, true));
  ++s.counters.packets_sent;
  s.counters.bytes_sent += reply.size();
  return reply;
}

void Swim::tick(std::uint64_t now_ms) { state_->tick(now_ms); }
std::uint64_t Swim::next_deadline_ms() const { return state_->next_deadline_ms(); }

std::vector<Outgoing> Swim::take_outgoing() { return std::exchange(state_->outgoing, {}); }
std::vector<Event> Swim::take_events() { return std::exchange(state_->events, {}); }
std::vector<UserPayload> Swim::take_user_payloads() { return std::exchange(state_->user_payloads, {}); }

shoal::Status Swim::broadcast_user(Bytes payload) {
  State& s = *state_;
  UserMsg m{s.self_name(), s.rng.next(), std::move(payload)};
  Bytes encoded = encode_message(m);
  const std::size_t room = s.cfg.packet_budget_bytes() - kCompoundOverheadBytes - kCompoundPartOverheadBytes;
  if (encoded.size() > room)
    return make_error("membership: user payload encodes to " + std::to_string(encoded.size()) +
                      " bytes; one gossip packet holds at most " + std::to_string(room) +
                      "; split it or send it by push-pull state");
  s.remember_user(user_key(m));
  ++s.counters.user_broadcasts_sent;
  s.enqueue("", std::move(encoded), s.cfg.user_retransmit_mult);
  return {};
}

void Swim::set_user_state(std::function<Bytes()> provider) { state_->user_state = std::move(provider); }

shoal::Status Swim::update_meta(std::uint64_t now_ms, NodeMeta meta) {
  State& s = *state_;
  auto bytes = encode_meta(meta, s.cfg.meta_max_bytes);
  if (!bytes) return bytes.error();
  const MemberInfo& old = *s.self().info;
  s.self().info = std::make_shared<const MemberInfo>(MemberInfo{old.id, old.addr, std::move(meta), std::move(*bytes)});
  ++s.self().incarnation;
  s.broadcast(s.self_name(), s.self_alive());
  return {};
}

std::vector<Member> Swim::members() const {
  std::vector<Member> out;
  out.reserve(state_->members.size());
  for (std::uint32_t idx : state_->by_name) out.push_back(state_->to_member(state_->members[idx]));
  return out;
}

std::optional<Member> Swim::member(const NodeId& id) const {
  auto idx = state_->find(id.name);
  if (!idx) return std::nullopt;
  return state_->to_member(state_->members[*idx]);
}

std::size_t Swim::num_alive() const { return state_->n_live; }
const NodeId& Swim::self() const { return state_->self().info->id; }
std::uint64_t Swim::incarnation() const { return state_->self().incarnation; }
const Config& Swim::config() const { return state_->cfg; }
const Counters& Swim::counters() const { return state_->counters; }
void Swim::count_drop(DropReason reason) {
  if (reason < DropReason::kCount) ++state_->counters.dropped[static_cast<std::size_t>(reason)];
}
int Swim::health_score() const { return state_->awareness.score(); }
std::size_t Swim::broadcast_queue_depth() const { return state_->queue.size(); }

void Swim::bootstrap_members(std::uint64_t now_ms, const std::vector<BootstrapEntry>& entries) {
  State& s = *state_;
  auto by_entry_name = [](const BootstrapEntry* a, const BootstrapEntry* b) { return a->info->id.name < b->info->id.name; };
  std::vector<const BootstrapEntry*> fresh;
  fresh.reserve(entries.size());
  // A fresh core knows only itself: compare with our name instead of searching.
  const bool only_self = s.members.size() == 1;
  for (const BootstrapEntry& e : entries) {
    if (!e.info) continue;
    const bool known = only_self ? e.info->id.name == s.self_name() : s.find(e.info->id.name).has_value();
    if (!known) fresh.push_back(&e);
  }
  // Callers usually pass a sorted list; sorting only when needed keeps 10,000 nodes x 10,000
  // entries cheap in the simulator.
  if (!std::is_sorted(fresh.begin(), fresh.end(), by_entry_name)) std::stable_sort(fresh.begin(), fresh.end(), by_entry_name);
  fresh.erase(std::unique(fresh.begin(), fresh.end(),
                          [](const BootstrapEntry* a, const BootstrapEntry* b) { return a->info->id.name == b->info->id.name; }),
              fresh.end());
  const std::size_t old_size = s.by_name.size();
  s.members.reserve(s.members.size() + fresh.size());
  s.by_name.reserve(old_size + fresh.size());
  s.probe_order.reserve(old_size + fresh.size());
  for (const BootstrapEntry* e : fresh) {
    const auto idx = static_cast<std::uint32_t>(s.members.size());
    s.members.push_back(Record{e->info, e->incarnation, now_ms, e->status});
    if (is_live(e->status)) ++s.n_live;
    s.by_name.push_back(idx);
    s.probe_order.push_back(idx);
  }
  // Both halves are sorted by name: one linear merge.
  std::inplace_merge(s.by_name.begin(), s.by_name.begin() + static_cast<std::ptrdiff_t>(old_size), s.by_name.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return s.members[a].info->id.name < s.members[b].info->id.name; });
  s.probe_pos = s.probe_order.size();  // reshuffle at the next probe
}

}  // namespace shoal::membership
