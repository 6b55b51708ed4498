#include "agent/docker_service_spec.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "common/units.h"

namespace shoal {

using json = nlohmann::json;

namespace {

// What `docker service create --name web --replicas 2 shoal.invalid/process sleep 100` sends
// (docker 20.10 CLI, fields at their zero values included as Go writes them).
json cli_body() {
  return json::parse(R"({
    "Name": "web", "Labels": {},
    "TaskTemplate": {
      "ContainerSpec": {"Image": "shoal.invalid/process", "Args": ["sleep", "100"], "Init": false,
                        "DNSConfig": {}, "Isolation": "default"},
      "Resources": {"Limits": {}, "Reservations": {}},
      "Placement": {}, "ForceUpdate": 0, "Runtime": "container"},
    "Mode": {"Replicated": {"Replicas": 2}},
    "UpdateConfig": {"Parallelism": 1, "FailureAction": "pause", "MaxFailureRatio": 0, "Order": "stop-first"},
    "RollbackConfig": {"Parallelism": 1, "FailureAction": "pause", "MaxFailureRatio": 0, "Order": "stop-first"},
    "EndpointSpec": {"Mode": "vip"}})");
}

std::string error_of(const json& body) {
  auto r = service_spec_from_docker(body);
  return r ? "" : r.message();
}

}  // namespace

TEST(DockerServiceSpec, CliCreateBodyMapsToTheProcessDriver) {
  auto r = service_spec_from_docker(cli_body());
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->name, "web");
  EXPECT_TRUE(r->image.empty());
  EXPECT_EQ(r->spec.task.driver, crdt::Driver::kProcess);
  EXPECT_EQ(r->spec.task.command, "sleep");
  EXPECT_EQ(r->spec.task.args, std::vector<std::string>{"100"});
  EXPECT_EQ(r->spec.replicas, 2u);
  crdt::ServiceSpec defaults;
  EXPECT_EQ(r->spec.update, defaults.update);  // omitted Delay/Monitor keep swarm's defaults
  EXPECT_EQ(r->spec.restart, defaults.restart);
}

TEST(DockerServiceSpec, FieldsMatchCaseInsensitivelyAsGoDoes) {
  json b = cli_body();
  b["Mode"] = {{"replicated", {{"Replicas", 3}}}};  // the Python SDK's spelling
  auto r = service_spec_from_docker(b);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->spec.replicas, 3u);
}

TEST(DockerServiceSpec, EverySupportedField) {
  json b = cli_body();
  auto& c = b["TaskTemplate"]["ContainerSpec"];
  c["Command"] = {"/bin/sh", "-c"};
  c["Args"] = {"echo hi"};
  c["Env"] = {"A=1", "B=x=y"};
  c["Healthcheck"] = {{"Test", {"CMD", "curl", "it's"}}, {"Interval", 2'000'000'000}, {"Retries", 5}};
  b["TaskTemplate"]["Resources"]["Reservations"] = {{"NanoCPUs", 500'000'000}, {"MemoryBytes", 1 << 20}};
  b["TaskTemplate"]["RestartPolicy"] = {{"Condition", "on-failure"}, {"Delay", 1'000'000'000}, {"MaxAttempts", 4},
                                        {"Window", 60'000'000'000}};
  b["TaskTemplate"]["Placement"] = {{"Constraints", {"node.labels.zone == a", "node.labels.ssd!=no"}},
                                    {"Preferences", {{{"Spread", {{"SpreadDescriptor", "node.labels.zone"}}}}}}};
  b["UpdateConfig"] = {{"Parallelism", 2}, {"Delay", 3'000'000'000}, {"FailureAction", "rollback"},
                       {"Monitor", 4'000'000'000}, {"MaxFailureRatio", 0.5}, {"Order", "start-first"}};
  b["EndpointSpec"]["Ports"] = {{{"Protocol", "udp"}, {"TargetPort", 53}, {"PublishedPort", 5353}, {"PublishMode", "ingress"}}};
  auto r = service_spec_from_docker(b);
  ASSERT_TRUE(r.ok()) << r.message();
  const crdt::ServiceSpec& s = r->spec;
  EXPECT_EQ(s.task.command, "/bin/sh");
  EXPECT_EQ(s.task.args, (std::vector<std::string>{"-c", "echo hi"}));
  EXPECT_EQ(s.task.env.at("B"), "x=y");
  EXPECT_EQ(s.health.command, "'curl' 'it'\\''s'");
  EXPECT_EQ(s.health.interval_ms, 2000u);
  EXPECT_EQ(s.health.timeout_ms, 30000u);  // 0/absent = inherit Docker's default
  EXPECT_EQ(s.health.retries, 5u);
  EXPECT_EQ(s.reservations.cpu_millis, 500u);
  EXPECT_EQ(s.restart.condition, crdt::RestartCondition::kOnFailure);
  EXPECT_EQ(s.restart.window_ms, 60000u);
  ASSERT_EQ(s.constraints.size(), 2u);
  EXPECT_EQ(s.constraints[0].label, "zone");
  EXPECT_EQ(s.constraints[0].value, "a");
  EXPECT_EQ(s.constraints[1].op, ConstraintOp::kNe);
  EXPECT_EQ(s.spread_label, "zone");
  EXPECT_EQ(s.update.failure_action, FailureAction::kRollback);
  EXPECT_EQ(s.update.order, UpdateOrder::kStartFirst);
  EXPECT_EQ(s.update.monitor_ms, 4000u);
  ASSERT_EQ(s.ports.size(), 1u);
  EXPECT_EQ(s.ports[0].protocol, crdt::PortProtocol::kUdp);
  EXPECT_EQ(s.ports[0].published, 5353u);
}

TEST(DockerServiceSpec, RootfsAndImages) {
  json b = cli_body();
  b["TaskTemplate"]["ContainerSpec"]["Image"] = "shoal.invalid/rootfs";
  b["TaskTemplate"]["ContainerSpec"]["Labels"] = {{"io.shoal.rootfs", "/srv/rootfs"}};
  auto r = service_spec_from_docker(b);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->spec.task.driver, crdt::Driver::kOci);
  EXPECT_EQ(r->spec.task.rootfs, "/srv/rootfs");
  b["TaskTemplate"]["ContainerSpec"]["Labels"] = json::object();
  EXPECT_NE(error_of(b).find("io.shoal.rootfs"), std::string::npos);
  b = cli_body();
  b["TaskTemplate"]["ContainerSpec"]["Image"] = "registry.local/web:1";
  r = service_spec_from_docker(b);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->image, "registry.local/web:1");  // the route pins it
}

// Docker's meaning of the image fields: Command replaces the Entrypoint, Args the Cmd.
TEST(DockerServiceSpec, ImageFieldsMapOntoTheImageForm) {
  json b = cli_body();
  auto& c = b["TaskTemplate"]["ContainerSpec"];
  c["Image"] = "registry.local/web:1";
  c["Command"] = {"/bin/busybox"};
  c["Args"] = {"httpd", "-f"};
  c["Dir"] = "/www";
  c["User"] = "nobody";
  c["Healthcheck"] = {{"Test", {"NONE"}}};
  auto r = service_spec_from_docker(b);
  ASSERT_TRUE(r.ok()) << r.message();
  const crdt::TaskSpec& t = r->spec.task;
  EXPECT_EQ(t.driver, crdt::Driver::kOci);
  EXPECT_EQ(t.image, "registry.local/web:1");
  EXPECT_EQ(t.entrypoint, std::vector<std::string>{"/bin/busybox"});
  EXPECT_EQ(t.command, "httpd");
  EXPECT_EQ(t.args, std::vector<std::string>{"-f"});
  EXPECT_EQ(t.workdir, "/www");
  EXPECT_EQ(t.user, "nobody");
  EXPECT_TRUE(r->spec.health.no_image_check);
  // Dir and User mean nothing to a host process: refused by name, not dropped.
  b = cli_body();
  b["TaskTemplate"]["ContainerSpec"]["Dir"] = "/www";
  EXPECT_NE(error_of(b).find("TaskTemplate.ContainerSpec.Dir"), std::string::npos);
}

// Each refused setting is named in the 400, never dropped.
TEST(DockerServiceSpec, UnsupportedFieldsAreRefusedByName) {
  struct Case {
    std::function<void(json&)> edit;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](json& b) { b["TaskTemplate"]["ContainerSpec"]["Mounts"] = {{{"Source", "/x"}, {"Target", "/y"}}}; },
       "TaskTemplate.ContainerSpec.Mounts"},
      {[](json& b) { b["TaskTemplate"]["ContainerSpec"]["Hostname"] = "h"; }, "TaskTemplate.ContainerSpec.Hostname"},
      {[](json& b) { b["TaskTemplate"]["ContainerSpec"]["Init"] = true; }, "TaskTemplate.ContainerSpec.Init"},
      {[](json& b) { b["TaskTemplate"]["ContainerSpec"]["Isolation"] = "hyperv"; }, "TaskTemplate.ContainerSpec.Isolation"},
      {[](json& b) { b["TaskTemplate"]["ContainerSpec"]["Healthcheck"] = {{"Test", {"CMD-SHELL", "x"}}, {"StartInterval", 1000000}}; },
       "TaskTemplate.ContainerSpec.Healthcheck.StartInterval"},
      {[](json& b) { b["TaskTemplate"]["Networks"] = {{{"Target", "net"}}}; }, "TaskTemplate.Networks"},
      {[](json& b) { b["TaskTemplate"]["LogDriver"] = {{"Name", "json-file"}}; }, "TaskTemplate.LogDriver"},
      {[](json& b) { b["TaskTemplate"]["Resources"]["Limits"] = {{"MemoryBytes", 1}}; }, "TaskTemplate.Resources.Limits"},
      {[](json& b) { b["TaskTemplate"]["Placement"]["Constraints"] = {"node.role==manager"}; },
       "TaskTemplate.Placement.Constraints"},
      {[](json& b) { b["TaskTemplate"]["Placement"]["MaxReplicas"] = 2; }, "TaskTemplate.Placement.MaxReplicas"},
      {[](json& b) { b["TaskTemplate"]["Runtime"] = "plugin"; }, "TaskTemplate.Runtime"},
      {[](json& b) { b["Mode"] = {{"ReplicatedJob", {{"MaxConcurrent", 1}}}}; }, "Mode.ReplicatedJob"},
      {[](json& b) { b["EndpointSpec"]["Mode"] = "dnsrr"; }, "EndpointSpec.Mode"},
      {[](json& b) { b["EndpointSpec"]["Ports"] = {{{"TargetPort", 80}, {"PublishedPort", 8080}, {"PublishMode", "host"}}}; },
       "EndpointSpec.Ports.PublishMode"},
      {[](json& b) { b["Networks"] = {{{"Target", "net"}}}; }, "field Networks "},
      {[](json& b) { b["Frobnicate"] = 1; }, "field Frobnicate "},
      {[](json& b) { b["UpdateConfig"]["Delay"] = 1500; }, "UpdateConfig.Delay"},
      {[](json& b) { b["TaskTemplate"]["Resources"]["Reservations"]["NanoCPUs"] = 1; },
       "TaskTemplate.Resources.Reservations.NanoCPUs"},
      {[](json& b) { b["Mode"]["Replicated"]["Replicas"] = -1; }, "Mode.Replicated.Replicas"},
  };
  for (const auto& c : cases) {
    json b = cli_body();
    c.edit(b);
    EXPECT_NE(error_of(b).find(c.field), std::string::npos) << c.field << ": got '" << error_of(b) << "'";
  }
}

TEST(DockerServiceSpec, MalformedBodiesAreErrorsNotCrashes) {
  EXPECT_FALSE(error_of(json::array()).empty());
  EXPECT_FALSE(error_of(json{{"Name", 5}}).empty());
  EXPECT_FALSE(error_of(json{{"Name", "web"}}).empty());  // no TaskTemplate
  EXPECT_FALSE(error_of(json{{"Name", "web"}, {"TaskTemplate", "x"}}).empty());
  json b = cli_body();
  b["TaskTemplate"]["ContainerSpec"]["Env"] = {"NOEQUALS"};
  EXPECT_NE(error_of(b).find("Env"), std::string::npos);
  b = cli_body();
  b["TaskTemplate"]["ContainerSpec"]["Args"] = json::array();
  EXPECT_NE(error_of(b).find("no default command"), std::string::npos);
}

namespace {

std::string gen_word() { return *rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::element('a', 'b', 'z', '0', '9', '-', '_'))); }
// JSON carries UTF-8 only (a byte string that is not is replaced on the wire, as Go does); the
// law is about every text JSON can hold, so ASCII including control characters and quotes.
rc::Gen<std::string> gen_text() { return rc::gen::container<std::string>(rc::gen::inRange<char>(1, 127)); }
std::uint64_t gen_ms() { return *rc::gen::inRange<std::uint64_t>(0, kMaxDurationMs + 1); }

crdt::UpdateConfig gen_update() {
  crdt::UpdateConfig u;
  u.parallelism = *rc::gen::arbitrary<std::uint32_t>();
  u.delay_ms = gen_ms();
  u.monitor_ms = gen_ms();
  u.failure_action = *rc::gen::element(FailureAction::kPause, FailureAction::kContinue, FailureAction::kRollback);
  u.max_failure_ratio = *rc::gen::element(0.0, 0.1, 0.5, 1.0);
  u.order = *rc::gen::element(UpdateOrder::kStopFirst, UpdateOrder::kStartFirst);
  return u;
}

// Any spec shoal can hold, in the forms that have a Docker spelling.
crdt::ServiceSpec gen_spec() {
  crdt::ServiceSpec s;
  s.task.driver = *rc::gen::element(crdt::Driver::kProcess, crdt::Driver::kOci);
  s.task.command = gen_word();
  s.task.args = *rc::gen::container<std::vector<std::string>>(gen_text());
  for (int i = *rc::gen::inRange(0, 4); i > 0; --i) s.task.env[gen_word()] = *gen_text();
  const bool image = s.task.driver == crdt::Driver::kOci && *rc::gen::arbitrary<bool>();
  if (image) {  // the image form: entrypoint, optional command override, workdir, user
    s.task.image = "r.local:5000/" + gen_word() + ":1@sha256:" + std::string(64, 'a');
    s.task.entrypoint = *rc::gen::container<std::vector<std::string>>(gen_text());
    if (*rc::gen::arbitrary<bool>()) s.task.command.clear(), s.task.args.clear();  // the image's Cmd
    if (*rc::gen::arbitrary<bool>()) s.task.workdir = "/" + gen_word();
    if (*rc::gen::arbitrary<bool>()) s.task.user = gen_word();
  } else if (s.task.driver == crdt::Driver::kOci) {
    s.task.rootfs = "/" + gen_word();
  }
  s.mode = *rc::gen::element(ServiceMode::kReplicated, ServiceMode::kGlobal);
  s.replicas = s.mode == ServiceMode::kGlobal ? 1 : *rc::gen::arbitrary<std::uint32_t>();
  s.reservations.cpu_millis = *rc::gen::inRange<std::uint64_t>(0, 1'000'000);
  s.reservations.memory_bytes = *rc::gen::inRange<std::uint64_t>(0, 1ull << 40);
  for (int i = *rc::gen::inRange(0, 3); i > 0; --i)
    s.constraints.push_back({gen_word(), *rc::gen::element(ConstraintOp::kEq, ConstraintOp::kNe), gen_word()});
  if (*rc::gen::arbitrary<bool>()) s.spread_label = gen_word();
  s.update = gen_update();
  s.rollback = gen_update();
  for (int i = *rc::gen::inRange(0, 3); i > 0; --i)
    s.ports.push_back({*rc::gen::inRange<std::uint16_t>(1, 65535), *rc::gen::arbitrary<std::uint16_t>(),
                       *rc::gen::element(crdt::PortProtocol::kTcp, crdt::PortProtocol::kUdp)});
  const bool check = *rc::gen::arbitrary<bool>();
  if (!check) s.health.no_image_check = *rc::gen::arbitrary<bool>();  // Test ["NONE"]
  if (check) {
    s.health.command = *rc::gen::nonEmpty(gen_text());
    s.health.interval_ms = *rc::gen::inRange<std::uint64_t>(1, kMaxDurationMs + 1);  // 0 = "inherit" on the API
    s.health.timeout_ms = *rc::gen::inRange<std::uint64_t>(1, kMaxDurationMs + 1);
    s.health.retries = *rc::gen::inRange<std::uint32_t>(1, 1000);
    s.health.start_period_ms = gen_ms();
  }
  s.restart.condition = *rc::gen::element(crdt::RestartCondition::kOnFailure, crdt::RestartCondition::kAny,
                                          crdt::RestartCondition::kNone);
  s.restart.delay_ms = gen_ms();
  s.restart.max_attempts = *rc::gen::arbitrary<std::uint32_t>();
  s.restart.window_ms = gen_ms();
  for (int i = *rc::gen::inRange(0, 3); i > 0; --i) s.labels[gen_word()] = *gen_text();
  return s;
}

}  // namespace

// The law the docker CLI relies on: `service scale`/`update` send back the spec inspect showed,
// and shoal reads exactly the spec it holds.
RC_GTEST_PROP(DockerServiceSpec, RenderThenParseIsIdentity, ()) {
  const crdt::ServiceSpec spec = gen_spec();
  const json rendered = service_spec_to_docker("web", spec);
  auto back = service_spec_from_docker(json::parse(rendered.dump()));
  RC_ASSERT(back.ok());
  RC_ASSERT(back->name == "web");
  RC_ASSERT(back->image == spec.task.image);
  RC_ASSERT(back->spec == spec);
}

}  // namespace shoal
