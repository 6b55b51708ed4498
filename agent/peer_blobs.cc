// The agent's side of blob exchange (agent/blob_exchange.h): serving chunks of held blobs to
// peers, and the blocking ask a pull worker uses, bridged onto the io thread that owns the
// transport.
#include <boost/asio/post.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "agent/agent_impl.h"
#include "agent/blob_exchange.h"
#include "agent/image_state.h"
#include "common/log.h"

namespace shoal {

namespace {

// A reply, or none, handed from the io thread to the waiting worker (the transport may call
// the reply handler once; the worker may have stopped waiting by then).
struct PendingReply {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::optional<Envelope> env;

  void deliver(std::optional<Envelope> e) {
    {
      std::lock_guard lock(mu);
      if (done) return;
      done = true;
      env = std::move(e);
    }
    cv.notify_all();
  }
};

// Longer than the transport's own stream timeout, so a silent peer ends as "no answer" there
// first; this bound only covers an io thread that stopped (agent shutting down).
constexpr auto kPeerReplyWait = std::chrono::seconds(60);

}  // namespace

std::optional<BlobChunkReply> Agent::ask_peer_for_blob(const std::string& addr, const BlobChunkRequest& request) {
  auto pending = std::make_shared<PendingReply>();
  boost::asio::post(io_, [this, addr, bytes = encode_blob_request(request), pending] {
    if (!transport_ || stopping()) return pending->deliver(std::nullopt);
    transport_->send_app_stream(addr, bytes, [pending](std::optional<Envelope> env) { pending->deliver(std::move(env)); });
  });
  std::unique_lock lock(pending->mu);
  if (!pending->cv.wait_for(lock, kPeerReplyWait, [&] { return pending->done; }) || !pending->env) return std::nullopt;
  auto reply = decode_blob_reply(*pending->env);
  if (!reply) {
    log_warning("image: bad blob reply from " + addr + ": " + reply.message());
    return std::nullopt;
  }
  return std::move(*reply);
}

std::optional<Bytes> Agent::serve_blob_request(const Envelope& env) {
  auto request = decode_blob_request(env);
  if (!request) {
    swim_->count_drop(DropReason::kMalformed);
    return std::nullopt;
  }
  return encode_blob_reply(serve_blob_chunk(images_->store, *request));
}

}  // namespace shoal
