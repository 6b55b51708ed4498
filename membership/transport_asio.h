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

#include "common/keyring.h"
#include "membership/packet_guard.h"
#include "common/result.h"
#include "membership/swim.h"

namespace shoal::membership {

// Largest TCP frame accepted: a push-pull of 10,000 members is ~1-2 MiB; 32 MiB leaves room
// for the CRDT user state riding along, while bounding what a peer can make us allocate.
inline constexpr std::uint32_t kMaxStreamFrameBytes = 32u << 20;
// A reliable exchange (connect, write, read reply) gives up after this long.
inline constexpr std::uint64_t kStreamTimeoutMs = 5'000;

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

  Transport(boost::asio::io_context& io, Swim& swim, Keyring& keyring);
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

  // Monotonic milliseconds: the core's clock.
  static std::uint64_t mono_ms();
  // Wall-clock milliseconds: only for probe answers and clock-offset estimates (never for
  // replay protection or timers).
  static std::uint64_t wall_ms();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  EventsHandler on_events_;
  UserHandler on_user_;
  AppStreamHandler on_app_stream_;
};

}  // namespace shoal::membership
