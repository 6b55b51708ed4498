#include "agent/metrics_collect.h"

#include <array>

#include "common/envelope.h"
#include "common/result.h"
#include "common/vocabulary.h"

namespace shoal {

namespace {

using metrics::TextWriter;

void build_info(TextWriter& w, const MetricsInputs& in) {
  w.gauge("shoal_build_info", "Always 1; the labels say which shoal build this agent runs.");
  w.sample(std::uint64_t{1}, {{"version", in.version}, {"node", in.node}});
}

void members(TextWriter& w, const MetricsInputs& in) {
  std::array<std::uint64_t, 4> by_status{};
  for (const auto& m : *in.members) ++by_status[static_cast<std::size_t>(m.status)];
  w.gauge("shoal_members", "Members in this node's view (itself included), by SWIM status.");
  for (std::size_t s = 0; s < by_status.size(); ++s)
    w.sample(by_status[s], {{"status", membership::status_name(static_cast<membership::MemberStatus>(s))}});
  w.gauge("shoal_health_score", "Lifeguard local health multiplier: 0 is healthy; higher means this node "
                                "missed acks and slowed its probing.");
  w.sample(static_cast<std::uint64_t>(in.health_score));
  w.gauge("shoal_incarnation", "This node's SWIM incarnation (rises each time it refutes a suspicion).");
  w.sample(in.incarnation);
}

void counter(TextWriter& w, std::string_view name, std::string_view help, std::uint64_t value) {
  w.counter(name, help);
  w.sample(value);
}

void directed(TextWriter& w, std::string_view name, std::string_view help, std::uint64_t sent,
              std::uint64_t received) {
  w.counter(name, help);
  w.sample(sent, {{"direction", "sent"}});
  w.sample(received, {{"direction", "received"}});
}

void failure_detection(TextWriter& w, const membership::Counters& c) {
  counter(w, "shoal_probes_total", "Direct probes (ping) this node sent.", c.probes_sent);
  counter(w, "shoal_probes_failed_total", "Probes with no ack, direct or indirect, within the probe interval.",
          c.probes_failed);
  counter(w, "shoal_probe_acks_total", "Acks received for our probes.", c.acks_received);
  counter(w, "shoal_indirect_probes_total", "Indirect probe requests (ping-req) this node sent.", c.ping_reqs_sent);
  directed(w, "shoal_nacks_total", "Lifeguard nacks: an indirect prober could not reach the target.", c.nacks_sent,
           c.nacks_received);
  counter(w, "shoal_suspicions_total", "Members this node suspected after its own probes failed.",
          c.suspicions_raised);
  counter(w, "shoal_refutations_total",
          "Times this node was suspected or declared dead and refuted it (a false suspicion of us).",
          c.refutations);
  counter(w, "shoal_false_death_refutations_total",
          "Of the refutations, times this node was declared failed while alive (a false death).",
          c.death_refutations);
  counter(w, "shoal_failures_declared_total", "Members this node moved from suspect to failed.",
          c.failures_declared);
  directed(w, "shoal_push_pulls_total", "Full membership state exchanges over TCP.", c.push_pulls_sent,
           c.push_pulls_received);
}

void gossip(TextWriter& w, const MetricsInputs& in) {
  const membership::Counters& c = *in.swim;
  directed(w, "shoal_gossip_packets_total", "Gossip messages (UDP and TCP) this node sent and received.",
           c.packets_sent, c.packets_received);
  directed(w, "shoal_gossip_bytes_total", "Plaintext gossip bytes (UDP and TCP) sent and received.", c.bytes_sent,
           c.bytes_received);
  w.counter("shoal_gossip_packets_dropped_total",
            "Incoming gossip dropped before use, by reason (bad_mac: wrong cluster key or tampering).");
  for (std::size_t i = 0; i < c.dropped.size(); ++i)
    w.sample(c.dropped[i], {{"reason", drop_reason_name(static_cast<DropReason>(i))}});
  w.gauge("shoal_gossip_queue_depth", "Messages waiting in the piggyback queue for their retransmits.");
  w.sample(static_cast<std::uint64_t>(in.gossip_queue_depth));
  counter(w, "shoal_gossip_broadcasts_evicted_total",
          "Queued broadcasts evicted by the queue's bound before all their retransmits.", c.broadcasts_dropped);
  directed(w, "shoal_gossip_user_messages_total",
           "Application messages on the gossip (state deltas, key operations) sent and delivered.",
           c.user_broadcasts_sent, c.user_payloads_received);
  w.counter("shoal_gossip_streams_failed_total", "TCP gossip exchanges that failed, by what happened.");
  w.sample(in.streams.connect_failed, {{"reason", "connect_failed"}});
  w.sample(in.streams.closed_unanswered, {{"reason", "closed_unanswered"}});
  w.sample(in.streams.inbound_rejected, {{"reason", "inbound_rejected"}});
}

void desired_state(TextWriter& w, const MetricsInputs& in) {
  const ShellMetrics& s = *in.shell;
  counter(w, "shoal_anti_entropy_rounds_total", "Periodic anti-entropy rounds this node started (a digest to one random live peer).",
          in.sync_rounds);
  directed(w, "shoal_anti_entropy_bytes_total", "Anti-entropy stream bytes (digests, replies, pushes).",
           s.sync_bytes_sent, s.sync_bytes_received);
  w.gauge("shoal_state_size_bytes", "The desired state's encoded size, as last written to disk.");
  w.sample(s.state_bytes);
  counter(w, "shoal_state_persist_failures_total", "Writes of the desired state to disk that failed.",
          in.persist_failures);

  std::array<std::uint64_t, 2> by_mode{};
  for (const crdt::Service* svc : in.state->all_services()) ++by_mode[static_cast<std::size_t>(svc->spec.mode)];
  w.gauge("shoal_services", "Services in this node's replica of the desired state, by mode.");
  for (std::size_t m = 0; m < by_mode.size(); ++m)
    w.sample(by_mode[m], {{"mode", to_string(static_cast<ServiceMode>(m))}});

  std::array<std::uint64_t, static_cast<std::size_t>(kLastTaskState) + 1> by_state{};
  for (const auto& [runner, entries] : in.state->tasks.writers)
    for (const auto& [key, entry] : entries)
      if (entry.value) ++by_state[static_cast<std::size_t>(entry.value->state)];
  w.gauge("shoal_tasks", "Task statuses in this node's replica (every node's tasks), by state.");
  for (std::size_t t = 0; t < by_state.size(); ++t)
    w.sample(by_state[t], {{"state", to_string(static_cast<TaskState>(t))}});
}

void reconcile(TextWriter& w, const MetricsInputs& in) {
  w.gauge("shoal_settled", "1 once this node has heard from the cluster and acts on placement; 0 while waiting.");
  w.sample(std::uint64_t{in.settled ? 1u : 0u});
  counter(w, "shoal_reconcile_rounds_total", "Reconcile rounds decided (placement, update plan, start/stop).",
          in.reconcile_rounds);
  w.histogram("shoal_placement_duration_seconds",
              "Time to compute one reconcile decision (placement of every service, update plans).");
  w.sample(in.shell->placement_seconds);
}

void tasks(TextWriter& w, const MetricsInputs& in) {
  const runtime::RuntimeCounters c = in.runtime.value_or(runtime::RuntimeCounters{});
  counter(w, "shoal_task_starts_total", "Task processes or containers this node started (restarts included).",
          c.starts);
  counter(w, "shoal_task_restarts_total", "Task starts made by the restart policy after an exit.", c.restarts);
  counter(w, "shoal_task_oom_kills_total", "Task exits caused by the kernel's OOM killer at the memory limit.",
          c.oom_kills);
  counter(w, "shoal_task_health_check_failures_total",
          "Tasks declared unhealthy after their health check failed its retries.", c.health_check_failures);
}

// The `kind` label: the enumerator's name in snake case (kind_name() is a phrase for people).
std::string_view error_kind_label(image::RegistryErrorKind kind) {
  static_assert(image::kRegistryErrorKinds == 8, "name the new kind here");
  switch (kind) {
    case image::RegistryErrorKind::kUnreachable: return "unreachable";
    case image::RegistryErrorKind::kServerError: return "server_error";
    case image::RegistryErrorKind::kAuthFailed: return "auth_failed";
    case image::RegistryErrorKind::kNotFound: return "not_found";
    case image::RegistryErrorKind::kDigestMismatch: return "digest_mismatch";
    case image::RegistryErrorKind::kTooLarge: return "too_large";
    case image::RegistryErrorKind::kBadResponse: return "bad_response";
    case image::RegistryErrorKind::kLocalIo: return "local_io";
  }
  return "unknown";
}

void images(TextWriter& w, const MetricsInputs& in) {
  const ShellMetrics& s = *in.shell;
  w.counter("shoal_image_pulls_total", "Image pulls and loads finished, by outcome.");
  w.sample(s.image_pulls, {{"outcome", "ok"}});
  w.sample(s.image_pulls_failed, {{"outcome", "failed"}});
  const image::RegistryClientCounters r = in.registry.value_or(image::RegistryClientCounters{});
  w.counter("shoal_image_bytes_total", "Image blob bytes downloaded, by source.");
  w.sample(r.blob_bytes_received, {{"source", "registry"}});
  counter(w, "shoal_registry_requests_total", "Registry request attempts (retries included).", r.attempts);
  counter(w, "shoal_registry_retries_total", "Registry request attempts that were retries.", r.retries);
  w.counter("shoal_registry_errors_total", "Failed registry request attempts, by kind.");
  for (std::size_t k = 0; k < r.failed.size(); ++k) {
    w.sample(r.failed[k], {{"kind", error_kind_label(static_cast<image::RegistryErrorKind>(k))}});
  }
}

void api(TextWriter& w, const MetricsInputs& in) {
  const auto& verbs = in.shell->api.by_verb();
  w.counter("shoal_api_requests_total", "Local API requests answered, by verb.");
  for (const auto& [verb, v] : verbs) w.sample(v.latency.count(), {{"verb", verb}});
  w.counter("shoal_api_requests_failed_total", "Local API requests answered with an error, by verb.");
  for (const auto& [verb, v] : verbs) w.sample(v.failed, {{"verb", verb}});
  w.histogram("shoal_api_request_duration_seconds", "Time from a request's arrival to its answer, by verb.");
  for (const auto& [verb, v] : verbs) w.sample(v.latency, {{"verb", verb}});
  w.counter("shoal_api_refused_total", "Local API connections refused before a request was served, by reason.");
  w.sample(in.api_refused.token, {{"reason", "token"}});
  w.sample(in.api_refused.oversized, {{"reason", "oversized"}});
  w.sample(in.api_refused.busy, {{"reason", "busy"}});
  w.sample(in.api_refused.timed_out, {{"reason", "timed_out"}});
  w.sample(in.api_refused.accept_errors, {{"reason", "accept_error"}});
}

void endpoint(TextWriter& w, const MetricsInputs& in) {
  counter(w, "shoal_metrics_scrapes_total", "Answers to /metrics (this one included).", in.server.scrapes);
  w.counter("shoal_metrics_refused_total", "Metrics endpoint requests refused, by reason.");
  w.sample(in.server.refused_token, {{"reason", "token"}});
  w.sample(in.server.refused_busy, {{"reason", "busy"}});
  w.sample(in.server.bad_requests, {{"reason", "bad_request"}});
  w.sample(in.server.timed_out, {{"reason", "timed_out"}});
}

}  // namespace

std::string render_metrics(const MetricsInputs& in) {
  SHOAL_ASSERT(in.members && in.swim && in.state && in.shell);
  TextWriter w;
  build_info(w, in);
  members(w, in);
  failure_detection(w, *in.swim);
  gossip(w, in);
  desired_state(w, in);
  reconcile(w, in);
  tasks(w, in);
  images(w, in);
  api(w, in);
  endpoint(w, in);
  return w.take();
}

}  // namespace shoal
