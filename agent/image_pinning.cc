// Digest pinning (Swarm's rule): the node that accepts `service create|update` naming an image
// resolves its tag to a manifest digest and stores `registry/path:tag@sha256:...`, so every
// node runs the same bits whatever the tag later points at. The registry is asked on a worker
// (it may be slow or unreachable); if it cannot answer, the digest this node already holds for
// the tag is used; otherwise the write is refused with the registry's error and the way out
// (--no-resolve-image stores the tag, and each node resolves it when it pulls).
#include <boost/asio/post.hpp>

#include "agent/agent_impl.h"
#include "agent/command_util.h"
#include "agent/image_state.h"
#include "common/log.h"

namespace shoal {

void Agent::pin_image_async(const std::string& text, bool no_resolve, const std::string& what,
                            std::function<void(Result<std::string>)> done) {
  auto ref = image::parse_reference(text, config_.registry_mirror);
  if (!ref) return done(make_error("image " + text + ": " + ref.message()));
  // Canonical either way: every node must read the same name whatever its own default registry.
  if (no_resolve || ref->digest) return done(ref->canonical_string());
  ImageState* s = images_.get();
  boost::asio::post(s->workers, [this, s, ref = *ref, text, what, done = std::move(done)]() mutable {
    auto resolved = s->client->resolve(ref);
    std::optional<image::Digest> digest;
    std::string error;
    if (resolved) digest = resolved->digest;
    else error = resolved.error().to_error().message;
    boost::asio::post(io_, [this, s, ref, text, what, digest, error, done = std::move(done)]() mutable {
      auto pinned = digest;
      if (!pinned) {
        pinned = held_manifest(*s, ref);  // the catalog is the io thread's: read it here
        if (pinned)
          log_warning(what + ": registry " + ref.registry + " did not answer for " + text + " (" + error +
                   "); pinned the digest held here, " + pinned->to_string());
      }
      if (!pinned)
        return done(make_error("cannot resolve image " + ref.canonical_string() + " at registry " + ref.registry +
                               ": " + error + "; check the registry, or give --no-resolve-image to store the tag unpinned"));
      done(ref.with_digest(*pinned).canonical_string());
    });
  });
}

void Agent::service_write_async(const ApiRequest& request, ApiServer::Respond respond) {
  const std::vector<std::string> args(request.argv.begin() + 1, request.argv.end());
  auto named = image_named_by(args);
  if (!named || named->text.empty()) return respond(handle(request));  // errors come from the verb
  const std::string text = named->text;
  if (auto ref = image::parse_reference(text, config_.registry_mirror); !ref)
    return respond(fail("service " + args[0] + ": image " + text + ": " + ref.message(), 2));
  pin_image_async(text, named->no_resolve, "service " + args[0],
                  [this, args, text, respond = std::move(respond)](Result<std::string> pinned) {
                    if (!pinned) return respond(fail("service " + args[0] + ": " + pinned.message()));
                    respond(cmd_service(*this, args, {{text, *pinned}}));
                  });
}

}  // namespace shoal
