#include "membership/transport_asio.h"

#include <algorithm>
#include <cstdio>

#include <sodium.h>

#include "common/log.h"

namespace shoal::membership {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

std::string addr_string(const asio::ip::address& a, std::uint16_t port) {
  return a.to_string() + ":" + std::to_string(port);
}

Bytes framed(const Bytes& body) {
  Bytes out(4 + body.size());
  std::uint32_t n = static_cast<std::uint32_t>(body.size());
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(n >> (24 - 8 * i));
  std::copy(body.begin(), body.end(), out.begin() + 4);
  return out;
}

std::uint32_t frame_len(const std::uint8_t* h) {
  return (std::uint32_t{h[0]} << 24) | (std::uint32_t{h[1]} << 16) | (std::uint32_t{h[2]} << 8) | h[3];
}

}  // namespace

// What all streams share: the buffer budget and the inbound count (kMaxStream* limits).
struct StreamBudget {
  std::uint64_t buffered = 0;
  std::uint32_t inbound = 0;
};

// One TCP exchange, either side: read a frame, maybe answer; or write a frame, read the answer.
// A frame is a sealed header (the body's length) and the sealed body; see kMaxStreamHeaderBytes.
struct StreamExchange : std::enable_shared_from_this<StreamExchange> {
  tcp::socket socket;
  asio::steady_timer deadline;
  std::shared_ptr<StreamBudget> budget;
  bool inbound = false;
  std::uint8_t header[4]{};
  Bytes sealed_header, body, out;
  std::uint32_t expected = 0;
  std::string peer;
  // Opens a sealed header; nothing (and the drop counted) if it is not one of ours.
  std::function<std::optional<Bytes>(const Bytes&, const std::string& peer)> open_header;
  std::function<void(DropReason)> count_drop;
  std::function<void(const Bytes&)> on_frame;
  // A request that got no reply frame (error, timeout); `sent`: the request was written.
  std::function<void(bool sent)> on_unanswered;
  bool answered = false;
  bool sent = false;

  ~StreamExchange() {
    budget->buffered -= body.size();
    if (inbound) --budget->inbound;
    if (!answered && on_unanswered) on_unanswered(sent);
  }

  StreamExchange(asio::io_context& io, tcp::socket s, std::shared_ptr<StreamBudget> b, bool in)
      : socket(std::move(s)), deadline(io), budget(std::move(b)), inbound(in) {
    if (inbound) ++budget->inbound;
  }

  void arm_deadline() {
    deadline.expires_after(std::chrono::milliseconds(kStreamTimeoutMs));
    std::weak_ptr<StreamExchange> weak = shared_from_this();
    deadline.async_wait([weak](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) {
        boost::system::error_code ignored;
        self->socket.close(ignored);
      }
    });
  }

  void read_frame() {
    auto self = shared_from_this();
    asio::async_read(socket, asio::buffer(header), [self](auto ec, std::size_t) {
      if (ec) return self->finish();
      const std::uint32_t n = frame_len(self->header);
      if (n > kMaxStreamHeaderBytes) {
        self->count_drop(DropReason::kOversized);
        return self->finish();
      }
      self->sealed_header.resize(n);
      asio::async_read(self->socket, asio::buffer(self->sealed_header), [self](auto ec2, std::size_t) {
        if (ec2) return self->finish();
        auto plain = self->open_header(self->sealed_header, self->peer);
        if (!plain) return self->finish();  // not sealed with our key: counted, nothing more read
        if (plain->size() != 4) {
          self->count_drop(DropReason::kMalformed);
          return self->finish();
        }
        self->expected = frame_len(plain->data());
        if (self->expected > kMaxStreamFrameBytes) {
          self->count_drop(DropReason::kOversized);
          return self->finish();
        }
        self->read_body_chunk();
      });
    });
  }

  // Reads the next chunk of the body (within the shared budget), then the rest, then delivers.
  void read_body_chunk() {
    if (body.size() == expected) {
      if (on_frame) on_frame(body);
      else finish();
      return;
    }
    const std::size_t have = body.size();
    const std::size_t more = std::min<std::size_t>(expected - have, kStreamReadChunkBytes);
    if (budget->buffered + more > kMaxStreamBufferedBytes) {
      count_drop(DropReason::kOversized);
      return finish();
    }
    budget->buffered += more;
    body.resize(have + more);
    auto self = shared_from_this();
    asio::async_read(socket, asio::buffer(body.data() + have, more), [self](auto ec, std::size_t) {
      if (ec) return self->finish();
      self->read_body_chunk();
    });
  }

  void write_then(Bytes frame, std::function<void()> next) {
    out = std::move(frame);
    auto self = shared_from_this();
    asio::async_write(socket, asio::buffer(out), [self, next](auto ec, std::size_t) {
      if (!ec) self->sent = true;
      if (ec || !next) return self->finish();
      next();
    });
  }

  void finish() {
    boost::system::error_code ignored;
    deadline.cancel();
    socket.close(ignored);
  }
};

struct Transport::Impl {
  asio::io_context& io;
  Swim& swim;
  Keyring& keyring;
  const Clock& clock;
  Transport* owner;
  udp::socket udp_socket;
  tcp::acceptor acceptor;
  asio::steady_timer timer;
  PacketGuard guard;  // seal/open: destination, channel and replay checks (packet_guard.h)
  udp::endpoint sender;
  std::array<std::uint8_t, 65536> rx{};
  bool stopped = false;
  std::shared_ptr<StreamBudget> budget = std::make_shared<StreamBudget>();
  asio::steady_timer accept_backoff;
  std::uint32_t accept_backoff_ms = 0;  // 0: the last accept succeeded
  Transport::StreamStats stream_stats;
  std::uint64_t rejected_logged_ms = 0;  // last log line about a rejected stream

  // Logs a rejected inbound stream at most once a minute: a node with another key retries
  // forever, and its operator is told on its own side (agent/join_hint.h); ours should learn
  // of it too, without a line per packet.
  void note_rejected_stream(const std::string& peer) {
    ++stream_stats.inbound_rejected;
    const std::uint64_t now = clock.now().mono_ms;
    if (rejected_logged_ms != 0 && now - rejected_logged_ms < 60'000) return;
    rejected_logged_ms = now;
    log_warning("gossip: dropped a TCP stream from " + peer + " that failed authentication: a node with "
                "another cluster key? (" + std::to_string(stream_stats.inbound_rejected) +
                " so far; `shoal agent info` counts drops by reason)");
  }

  Impl(asio::io_context& io_, Swim& s, Keyring& k, const Clock& c, Transport* o)
      : io(io_), swim(s), keyring(k), clock(c), owner(o), udp_socket(io_), acceptor(io_), timer(io_),
        guard(k, s.self().name, random_epoch()), accept_backoff(io_) {}

  // A stream frame on the wire: framed(sealed body length), then the sealed body. Both are
  // sealed for the same channel and destination; the header's counter comes after the body's,
  // which the replay window's reordering allowance absorbs.
  Bytes seal_stream(SealChannel channel, std::uint64_t destination, const Bytes& payload) {
    Bytes body = guard.seal(channel, destination, payload);
    const Bytes len = {static_cast<std::uint8_t>(body.size() >> 24), static_cast<std::uint8_t>(body.size() >> 16),
                       static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
    Bytes out = framed(guard.seal(channel, destination, len));
    out.insert(out.end(), body.begin(), body.end());
    return out;
  }

  // `channel`: what the frames read on this exchange are (requests inbound, replies outbound).
  std::shared_ptr<StreamExchange> new_exchange(tcp::socket socket, bool inbound) {
    auto ex = std::make_shared<StreamExchange>(io, std::move(socket), budget, inbound);
    const SealChannel channel = inbound ? SealChannel::kStreamRequest : SealChannel::kStreamReply;
    ex->open_header = [this, channel](const Bytes& sealed, const std::string& peer) -> std::optional<Bytes> {
      auto opened = unseal(channel, peer, sealed.data(), sealed.size());
      if (!opened) {
        note_rejected_stream(peer);
        return std::nullopt;
      }
      return std::move(opened->plaintext);
    };
    ex->count_drop = [this](DropReason why) { swim.count_drop(why); };
    return ex;
  }

  static std::uint64_t random_epoch() {
    std::uint64_t e = 0;
    while (e == 0) randombytes_buf(&e, sizeof e);
    return e;
  }

  // Opens and checks a sealed packet; counts the reason when it is dropped.
  std::optional<GuardedPacket> unseal(SealChannel channel, const std::string& from, const std::uint8_t* data,
                                      std::size_t size) {
    DropReason why{};
    auto opened = guard.open(channel, from, data, size, &why);
    if (!opened) {
      swim.count_drop(why);
      return std::nullopt;
    }
    return std::move(*opened);
  }

  void receive_udp() {
    udp_socket.async_receive_from(asio::buffer(rx), sender, [this](auto ec, std::size_t n) {
      if (ec == asio::error::operation_aborted || stopped) return;
      if (!ec) {
        if (n > swim.config().udp_payload_max_bytes) {
          swim.count_drop(DropReason::kOversized);
        } else if (auto plain = unseal(SealChannel::kDatagram, addr_string(sender.address(), sender.port()),
                                       rx.data(), n)) {
          const Now now = clock.now();
          swim.handle_packet(now.mono_ms, addr_string(sender.address(), sender.port()),
                             plain->plaintext.data(), plain->plaintext.size(), now.wall_ms);
          owner->pump();
        }
      }
      receive_udp();
    });
  }

  void accept_tcp() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || stopped) return;
      if (ec) return back_off_accept(ec);
      accept_backoff_ms = 0;
      if (budget->inbound >= kMaxInboundStreams) swim.count_drop(DropReason::kOversized);  // closed here
      else serve_stream(std::move(socket));
      accept_tcp();
    });
  }

  void back_off_accept(const boost::system::error_code& ec) {
    if (accept_backoff_ms == 0) {
      accept_backoff_ms = kAcceptBackoffMs;
      log_warning("gossip: TCP accept failed (" + ec.message() + "); pausing accepts, retrying with backoff up to " +
                  std::to_string(kAcceptBackoffMaxMs) + " ms");
    } else {
      accept_backoff_ms = std::min(accept_backoff_ms * 2, kAcceptBackoffMaxMs);
    }
    accept_backoff.expires_after(std::chrono::milliseconds(accept_backoff_ms));
    accept_backoff.async_wait([this](boost::system::error_code tec) {
      if (tec || stopped) return;
      accept_tcp();
    });
  }

  void serve_stream(tcp::socket socket) {
    auto ex = new_exchange(std::move(socket), true);
    boost::system::error_code ec;
    auto remote = ex->socket.remote_endpoint(ec);
    ex->peer = ec ? "" : addr_string(remote.address(), remote.port());
    std::weak_ptr<StreamExchange> weak = ex;
    ex->on_frame = [this, weak](const Bytes& frame) {
      auto self = weak.lock();
      if (!self) return;
      auto plain = unseal(SealChannel::kStreamRequest, self->peer, frame.data(), frame.size());
      if (!plain) return self->finish();
      auto reply = dispatch_stream(self->peer, plain->plaintext);
      if (!reply) return self->finish();
      self->write_then(seal_stream(SealChannel::kStreamReply, plain->sender_id, *reply), nullptr);
    };
    ex->arm_deadline();
    ex->read_frame();
  }

  // A TCP request: application envelopes go to the agent, everything else to SWIM.
  std::optional<Bytes> dispatch_stream(const std::string& peer, const Bytes& plain) {
    DropReason why{};
    auto env = decode_envelope(plain.data(), plain.size(), &why);
    if (env.ok() && env->type >= kFirstAppStreamType) {
      if (!owner->on_app_stream_) {
        swim.count_drop(DropReason::kUnknownType);
        return std::nullopt;
      }
      return owner->on_app_stream_(peer, *env);
    }
    auto reply = swim.handle_stream(clock.now().mono_ms, peer, plain.data(), plain.size());
    owner->pump();
    return reply;
  }

  void send_reliable(const std::string& to, const std::string& to_node, const Bytes& payload) {
    send_stream(to, to_node, payload, [this, to](std::optional<Bytes> reply) {
      if (!reply) return;
      (void)swim.handle_stream(clock.now().mono_ms, to, reply->data(), reply->size());
      owner->pump();
    });
  }

  // Connect, send one sealed frame, read one reply frame (opened), hand it to `done`.
  void send_stream(const std::string& to, const std::string& to_node, const Bytes& payload,
                   std::function<void(std::optional<Bytes>)> done) {
    auto colon = to.rfind(':');
    boost::system::error_code ec;
    if (colon == std::string::npos) return done(std::nullopt);
    auto addr = asio::ip::make_address(to.substr(0, colon), ec);
    if (ec) return done(std::nullopt);
    auto port = static_cast<std::uint16_t>(std::strtoul(to.c_str() + colon + 1, nullptr, 10));
    auto ex = new_exchange(tcp::socket(io), false);
    ex->peer = to;
    std::weak_ptr<StreamExchange> weak = ex;
    ex->on_frame = [this, weak, done](const Bytes& frame) {
      auto self = weak.lock();
      if (!self) return;
      self->answered = true;
      auto reply = unseal(SealChannel::kStreamReply, self->peer, frame.data(), frame.size());
      done(reply ? std::optional<Bytes>(std::move(reply->plaintext)) : std::nullopt);
      self->finish();
    };
    ex->on_unanswered = [this, done](bool sent) {
      if (sent) ++stream_stats.closed_unanswered;
      done(std::nullopt);
    };
    Bytes sealed = seal_stream(SealChannel::kStreamRequest, guard.destination_for(to, to_node), payload);
    ex->arm_deadline();
    ex->socket.async_connect(tcp::endpoint(addr, port), [this, ex, sealed](boost::system::error_code cec) mutable {
      if (cec) {
        ++stream_stats.connect_failed;
        return ex->finish();
      }
      ex->write_then(std::move(sealed), [ex] { ex->read_frame(); });
    });
  }

  void send_udp(const std::string& to, const std::string& to_node, const Bytes& payload) {
    auto colon = to.rfind(':');
    boost::system::error_code ec;
    if (colon == std::string::npos) return;
    auto addr = asio::ip::make_address(to.substr(0, colon), ec);
    if (ec) return;
    auto port = static_cast<std::uint16_t>(std::strtoul(to.c_str() + colon + 1, nullptr, 10));
    Bytes sealed = guard.seal(SealChannel::kDatagram, guard.destination_for(to, to_node), payload);  // fire and forget
    udp_socket.send_to(asio::buffer(sealed), udp::endpoint(addr, port), 0, ec);  // non-blocking in practice: UDP
  }

  void arm_timer() {
    if (stopped) return;
    std::uint64_t deadline = swim.next_deadline_ms();
    std::uint64_t now = clock.now().mono_ms;
    std::uint64_t wait = deadline > now ? deadline - now : 0;
    timer.expires_after(std::chrono::milliseconds(wait));
    timer.async_wait([this](boost::system::error_code ec) {
      if (ec || stopped) return;
      swim.tick(clock.now().mono_ms);
      owner->pump();
    });
  }
};

Transport::Transport(asio::io_context& io, Swim& swim, Keyring& keyring, const Clock& clock)
    : impl_(std::make_unique<Impl>(io, swim, keyring, clock, this)) {}

Transport::~Transport() { stop(); }

shoal::Status Transport::bind(const std::string& ip, std::uint16_t port) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(ip, ec);
  if (ec) return make_error("'" + ip + "' is not an IP address");
  udp::endpoint uep(addr, port);
  impl_->udp_socket.open(uep.protocol(), ec);
  if (!ec) impl_->udp_socket.bind(uep, ec);
  if (ec) return make_error("cannot bind UDP " + addr_string(addr, port) + ": " + ec.message());
  tcp::endpoint tep(addr, port);
  impl_->acceptor.open(tep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(tep, ec);
  if (!ec) impl_->acceptor.listen(128, ec);
  if (ec) return make_error("cannot listen on TCP " + addr_string(addr, port) + ": " + ec.message());
  return {};
}

void Transport::start() {
  impl_->receive_udp();
  impl_->accept_tcp();
  pump();
}

void Transport::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  boost::system::error_code ec;
  impl_->timer.cancel();
  impl_->accept_backoff.cancel();
  impl_->udp_socket.close(ec);
  impl_->acceptor.close(ec);
}

void Transport::send_app_stream(const std::string& to_addr, Bytes envelope, ReplyHandler on_reply) {
  impl_->send_stream(to_addr, {}, envelope, [on_reply](std::optional<Bytes> reply) {
    if (!on_reply) return;
    if (!reply) return on_reply(std::nullopt);
    DropReason why{};
    auto env = decode_envelope(reply->data(), reply->size(), &why);
    on_reply(env.ok() ? std::optional<Envelope>(std::move(*env)) : std::nullopt);
  });
}

const Transport::StreamStats& Transport::stream_stats() const { return impl_->stream_stats; }

void Transport::pump() {
  for (Outgoing& out : impl_->swim.take_outgoing()) {
    if (out.reliable) impl_->send_reliable(out.to_addr, out.to_node, out.payload);
    else impl_->send_udp(out.to_addr, out.to_node, out.payload);
  }
  auto events = impl_->swim.take_events();
  if (!events.empty() && on_events_) on_events_(std::move(events));
  auto user = impl_->swim.take_user_payloads();
  if (!user.empty() && on_user_) on_user_(std::move(user));
  impl_->arm_timer();
}

}  // namespace shoal::membership
