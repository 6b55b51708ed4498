// The /metrics document from known inputs: members by status, services and tasks by state, the
// counters the cores keep, and the shape every family must have (HELP, TYPE, shoal_ prefix).
#include "agent/metrics_collect.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

namespace shoal {
namespace {

membership::Member member(const char* name, membership::MemberStatus status) {
  membership::Member m;
  m.id = NodeId{name};
  m.status = status;
  return m;
}

crdt::ServiceSpec spec(ServiceMode mode) {
  crdt::ServiceSpec s;
  s.task.command = "/bin/true";
  s.mode = mode;
  return s;
}

crdt::TaskStatus task(const char* service, std::uint32_t slot, TaskState state) {
  crdt::TaskStatus t;
  t.service = service;
  t.slot = slot;
  t.spec_version = 1;
  t.state = state;
  return t;
}

struct Fixture {
  std::vector<membership::Member> members{member("a", membership::MemberStatus::kAlive),
                                          member("b", membership::MemberStatus::kAlive),
                                          member("c", membership::MemberStatus::kSuspect),
                                          member("d", membership::MemberStatus::kLeft)};
  membership::Counters swim;
  crdt::Replica replica{NodeId{"a"}};
  ShellMetrics shell;

  Fixture() {
    swim.probes_sent = 7;
    swim.refutations = 2;
    swim.death_refutations = 1;
    swim.dropped[static_cast<std::size_t>(DropReason::kBadMac)] = 5;
    EXPECT_TRUE(replica.create_service(1000, "web", spec(ServiceMode::kReplicated)).ok());
    EXPECT_TRUE(replica.create_service(1000, "db", spec(ServiceMode::kReplicated)).ok());
    EXPECT_TRUE(replica.create_service(1000, "agent", spec(ServiceMode::kGlobal)).ok());
    replica.put_task(1001, task("web", 0, TaskState::kHealthy));
    replica.put_task(1001, task("web", 1, TaskState::kHealthy));
    replica.put_task(1001, task("db", 0, TaskState::kFailed));
    shell.api.observe("members", 0.002, false);
    shell.api.observe("service create", 0.2, true);
    shell.placement_seconds.observe(0.003);
  }

  MetricsInputs inputs() const {
    MetricsInputs in;
    in.version = "0.1.0";
    in.node = "a";
    in.members = &members;
    in.swim = &swim;
    in.gossip_queue_depth = 4;
    in.state = &replica.state();
    in.sync_rounds = 9;
    in.runtime = runtime::RuntimeCounters{3, 1, 1, 2};
    in.shell = &shell;
    return in;
  }
};

bool has_line(const std::string& doc, const std::string& line) {
  return ("\n" + doc).find("\n" + line + "\n") != std::string::npos;
}

TEST(MetricsCollect, CountsWhatTheCoresReport) {
  Fixture f;
  const std::string doc = render_metrics(f.inputs());
  for (const char* line : {
           "shoal_build_info{version=\"0.1.0\",node=\"a\"} 1",
           "shoal_members{status=\"alive\"} 2", "shoal_members{status=\"suspect\"} 1",
           "shoal_members{status=\"failed\"} 0", "shoal_members{status=\"left\"} 1",
           "shoal_probes_total 7", "shoal_refutations_total 2", "shoal_false_death_refutations_total 1",
           "shoal_gossip_packets_dropped_total{reason=\"bad_mac\"} 5",
           "shoal_gossip_queue_depth 4", "shoal_anti_entropy_rounds_total 9",
           "shoal_services{mode=\"replicated\"} 2", "shoal_services{mode=\"global\"} 1",
           "shoal_tasks{state=\"healthy\"} 2", "shoal_tasks{state=\"failed\"} 1", "shoal_tasks{state=\"running\"} 0",
           "shoal_task_starts_total 3", "shoal_task_oom_kills_total 1", "shoal_task_health_check_failures_total 2",
           "shoal_api_requests_total{verb=\"members\"} 1",
           "shoal_api_requests_failed_total{verb=\"service create\"} 1",
           "shoal_api_request_duration_seconds_bucket{verb=\"members\",le=\"0.0025\"} 1",
           "shoal_placement_duration_seconds_count 1",
       })
    EXPECT_TRUE(has_line(doc, line)) << "missing: " << line << "\n" << doc;
}

// Every sample belongs to a family declared just before it with HELP and TYPE; names carry the
// shoal_ prefix; counters end in _total.
TEST(MetricsCollect, EveryFamilyHasHelpAndTypeAndTheShoalPrefix) {
  Fixture f;
  std::istringstream doc(render_metrics(f.inputs()));
  std::string line, help_of, family, type;
  std::set<std::string> families;
  while (std::getline(doc, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      help_of = line.substr(7, line.find(' ', 7) - 7);
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream t(line.substr(7));
      t >> family >> type;
      EXPECT_EQ(family, help_of) << "TYPE without HELP: " << line;
      EXPECT_EQ(family.rfind("shoal_", 0), 0u) << family;
      if (type == "counter") {
        EXPECT_EQ(family.substr(family.size() - 6), "_total") << family;
      }
      EXPECT_TRUE(families.insert(family).second) << "declared twice: " << family;
      continue;
    }
    const std::string name = line.substr(0, line.find_first_of("{ "));
    const bool belongs = name == family || (type == "histogram" && (name == family + "_bucket" ||
                                                                   name == family + "_sum" || name == family + "_count"));
    EXPECT_TRUE(belongs) << line << " after family " << family;
  }
  EXPECT_GE(families.size(), 40u);
}

TEST(ApiVerbMetrics, VerbLabelsAreBounded) {
  EXPECT_EQ(ApiVerbMetrics::verb_of({"service", "create", "--name", "x"}), "service create");
  EXPECT_EQ(ApiVerbMetrics::verb_of({"members", "--format", "json"}), "members");
  EXPECT_EQ(ApiVerbMetrics::verb_of({"service"}), "service");
  EXPECT_EQ(ApiVerbMetrics::verb_of({}), "other");
  EXPECT_EQ(ApiVerbMetrics::verb_of({"rm -rf\n"}), "other");
  EXPECT_EQ(ApiVerbMetrics::verb_of({"image", "\"quoted\""}), "other");
  ApiVerbMetrics m;
  for (int i = 0; i < 1000; ++i) m.observe("verb" + std::to_string(i), 0.001, false);
  EXPECT_EQ(m.by_verb().size(), ApiVerbMetrics::kMaxVerbs);
  EXPECT_EQ(m.by_verb().at("other").latency.count(), 1000u - (ApiVerbMetrics::kMaxVerbs - 1));
}

}  // namespace
}  // namespace shoal
