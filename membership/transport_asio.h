// The Asio shell around the SWIM core: one UDP socket for probes and gossip, a TCP listener on
// the same port for push-pull and large messages, one timer for the core's next deadline. Every
// packet is sealed with the cluster keyring on the way out; on the way in it is size-checked,
// opened, checked (destination, channel, replay: membership/packet_guard.h) and only then
// handed to the core. Drops are counted in the core's
// counters by reason (`shoal agent info`). Everything runs on the caller's io_context thread.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/keyring.h"
#include "membership/packet_guard.h"
#include "common/result.h"
#include "membership/swim.h"

namespace shoal::membership {

// Largest TCP frame accepted: a push-pull of 10,000 members is ~1-2 MiB; 32 MiB leaves room
// for the CRDT user state riding along, while bounding what a peer can make us allocate.
inline constexpr std::uint32_t kMaxStreamFrameBytes = 32u << 20;
// A reliable exchange (connect, write, read reply) gives up after this long; an inbound stream
// that has not delivered its frame by then is closed (a truncated frame is not held).
inline constexpr std::uint64_t kStreamTimeoutMs = 5'000;

// Bounded before authenticated. A TCP frame travels as two: a small sealed header holding the
// body's length, then the sealed body. The receiver opens the header (proof the sender holds
// the cluster key) before it reads or allocates anything for the body, so a connection without
// the key costs at most kMaxStreamHeaderBytes. The header's own length prefix is checked
// against kMaxStreamHeaderBytes: a sealed 4-byte length is ~60 bytes; 256 leaves room for the
// envelope growing (key ids, associated data) without letting a stranger make us buffer more.
inline constexpr std::uint32_t kMaxStreamHeaderBytes = 256;
// Body bytes are read this many at a time, so the buffer grows with bytes that arrived, never
// with a length someone claimed.
inline constexpr std::uint32_t kStreamReadChunkBytes = 64u << 10;
// Inbound streams served at once; more are closed at accept. Push-pull runs every few seconds
// per peer and state sync a few at a time: 64 leaves headroom for large clusters' bursts.
inline constexpr std::uint32_t kMaxInboundStreams = 64;
// Body bytes buffered by all streams together (in and out). Two maximal frames: a full sync
// and a reply can be in flight while the next is read; beyond it a stream is dropped (counted)
// and its sender retries later.
inline constexpr std::uint64_t kMaxStreamBufferedBytes = 2ull * kMaxStreamFrameBytes;
// accept() failing (EMFILE: out of descriptors) pauses accepts for this long, doubling to the
// max, and logs once, instead of retrying in a loop that spins at 100% CPU.
inline constexpr std::uint32_t kAcceptBackoffMs = 50;
inline constexpr std::uint32_t kAcceptBackoffMaxMs = 2'000;

// TCP frames whose envelope type is at least this belong to the application (the agent's
// state sync), not to SWIM; membership message types stay below it.
inline constexpr std::uint32_t kFirstAppStreamType = 64;

class Transport {
 public:
  using EventsHandler = std::function<void(std::vector<Event>)>;
  using UserHandler = std::function<void(std::vector<UserPayload>)>;
  // An application stream request (plaintext envelope); the returned bytes, if any, are the
  // reply written back on the same stream.
  using AppStreamHandler = std::function<std::optional<Bytes>(const std::string& from, const Envelope&)>;
  using ReplyHandler = std::function<void(std::optional<Envelope>)>;

  // `clock` (kept by reference, outlives the transport): mono_ms drives the SWIM core, wall_ms
  // only the seal timestamp and the replay window.
  Transport(boost::asio::io_context& io, Swim& swim, Keyring& keyring, const Clock& clock);
  ~Transport();

  // Binds UDP and TCP on ip:port. Call before start().
  shoal::Status bind(const std::string& ip, std::uint16_t port);
  // Starts receiving and the timer loop.
  void start();
  void stop();

  void on_events(EventsHandler h) { on_events_ = std::move(h); }
  void on_user_payloads(UserHandler h) { on_user_ = std::move(h); }
  void on_app_stream(AppStreamHandler h) { on_app_stream_ = std::move(h); }

  // Sends an application envelope (type >= kFirstAppStreamType) over TCP; `on_reply` gets the
  // peer's reply, or nothing on timeout, error or no reply. Sealed like everything else.
  void send_app_stream(const std::string& to_addr, Bytes envelope, ReplyHandler on_reply);

  // Sends what the core queued, delivers its events, re-arms the timer. Call after driving the
  // core from outside (join, leave, broadcast_user, update_meta).
  void pump();

  // What happened to TCP exchanges, for the operator's join hint (agent/join_hint.h): a seed
  // that accepts the connection and closes it unanswered most likely has another cluster key.
  struct StreamStats {
    std::uint64_t connect_failed = 0;     // our connect() failed (address, firewall, no agent)
    std::uint64_t closed_unanswered = 0;  // we sent a request; the peer closed without a reply
    std::uint64_t inbound_rejected = 0;   // a peer's stream header failed to open (key, replay)
  };
  const StreamStats& stream_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  EventsHandler on_events_;
  UserHandler on_user_;
  AppStreamHandler on_app_stream_;
};

}  // namespace shoal::membership
