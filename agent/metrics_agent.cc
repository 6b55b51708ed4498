// The agent's side of /metrics: opens the endpoint, reads every part's counters into
// MetricsInputs on each scrape (agent/metrics_collect.h renders them), and times API verbs.
#include <chrono>

#include "agent/agent_impl.h"
#include "agent/metrics_collect.h"
#include "agent/web_view.h"
#include "common/log.h"

namespace shoal {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Status Agent::open_metrics(const std::string& token) {
  if (config_.metrics_addr.empty()) return {};
  metrics_ = std::make_unique<MetricsServer>(io_, [this] { return render_metrics_text(); });
  // Loading the page starts asking peers for their views, so its first refresh has them.
  metrics_->add_page("/", "text/html; charset=utf-8", [this] {
    (void)watched_peer_views();
    return std::string(web_view_html());
  });
  metrics_->add_page("/view.json", "application/json", [this] { return render_view_json(*this); });
  if (auto s = metrics_->listen(config_.metrics_addr, token); !s) return s;
  log_info("metrics at http://" + config_.metrics_addr + "/metrics, the web view at http://" + config_.metrics_addr + "/");
  return {};
}

std::string Agent::render_metrics_text() const {
  const std::vector<membership::Member> members = swim_->members();
  const auto self = swim_->member(swim_->self());
  MetricsInputs in;
  in.version = self ? std::string_view(self->meta.version) : std::string_view();
  in.node = config_.name;
  in.members = &members;
  in.swim = &swim_->counters();
  in.gossip_queue_depth = swim_->broadcast_queue_depth();
  in.health_score = swim_->health_score();
  in.incarnation = swim_->incarnation();
  const auto& streams = transport_->stream_stats();
  in.streams = {streams.connect_failed, streams.closed_unanswered, streams.inbound_rejected};
  in.state = &core_->state();
  in.reconcile_rounds = core_->reconcile_rounds();
  in.persist_failures = core_->persist_failures();
  in.sync_rounds = core_->sync_rounds();
  in.settled = core_->settled();
  if (runtime_) in.runtime = runtime_->counters();
  in.registry = registry_counters();
  const ApiServerStats& api = api_->stats();
  in.api_refused = {api.refused_token, api.refused_oversized, api.refused_busy, api.timed_out, api.accept_errors};
  in.shell = &shell_metrics_;
  in.server = metrics_->stats();
  return render_metrics(in);
}

void Agent::handle_timed(const ApiRequest& request, ApiServer::Respond respond) {
  const auto start = std::chrono::steady_clock::now();
  std::string verb = ApiVerbMetrics::verb_of(request.argv);
  handle_async(request, [this, start, verb = std::move(verb), respond = std::move(respond)](ApiResponse r) {
    shell_metrics_.api.observe(verb, seconds_since(start), r.exit_code != 0);
    respond(std::move(r));
  });
}

}  // namespace shoal
