// Compose files -> `service create` flags, and the flags -> the spec `service create` makes.
#include "stack/compose.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "agent/service_flags.h"

namespace shoal::stack {
namespace {

using Args = std::vector<std::string>;

crdt::ServiceSpec spec_of(const ComposeService& s) {
  FlagSpec flags = service_flag_spec();
  flags.stop_at_positional = true;
  auto f = parse_flags("stack deploy", s.args, flags);
  EXPECT_TRUE(f) << f.message();
  auto spec = apply_service_flags(crdt::ServiceSpec{}, *f, true);
  EXPECT_TRUE(spec) << spec.message();
  return spec ? *spec : crdt::ServiceSpec{};
}

const char* kShop = R"(
version: "3.8"
x-common: &common
  environment:
    TIER: web
services:
  web:
    image: ${REGISTRY:-r.local:5000}/web:${TAG}
    command: ["httpd", "-f", "-p", "80"]
    environment:
      - MODE=prod
      - FROM_SHELL
      - UNSET_ONE
    ports:
      - "8080:80"
      - target: 53
        published: 5353
        protocol: udp
    user: "100:101"
    working_dir: /srv
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O- localhost"]
      interval: 5s
      retries: 2
    deploy:
      replicas: 3
      labels: {owner: ops}
      placement:
        constraints: [node.labels.zone==a]
        preferences:
          - spread: node.labels.rack
      resources:
        reservations: {cpus: "0.5", memory: 64MiB}
        limits: {cpus: "1"}
      restart_policy: {condition: on-failure, delay: 2s, max_attempts: 3, window: 30s}
      update_config: {parallelism: 2, delay: 1s, failure_action: rollback, order: start-first}
      rollback_config: {parallelism: 0}
  db:
    image: r.local:5000/db@sha256:aaaa
    entrypoint: ["/bin/sh", "-c"]
    command: "exec db --port 5432"
    build: ./db
    depends_on: [web]
    deploy: {mode: global}
    x-note: mine
    x-shoal: {on_partition: majority, isolation_timeout: 5s}
networks:
  default: {}
)";

TEST(Compose, EveryKeyBecomesTheFlagServiceCreateTakes) {
  auto stack = parse_compose(kShop, "shop", {{"TAG", "1"}, {"FROM_SHELL", "yes"}}, "shop.yaml");
  ASSERT_TRUE(stack) << stack.message();
  ASSERT_EQ(stack->services.size(), 2u);
  EXPECT_EQ(stack->services[0].name, "shop-db");  // in name order
  EXPECT_EQ(stack->services[1].name, "shop-web");
  const auto web = spec_of(stack->services[1]);
  EXPECT_EQ(web.task.image, "r.local:5000/web:1");
  EXPECT_EQ(web.task.command, "httpd");
  EXPECT_EQ(web.task.args, (Args{"-f", "-p", "80"}));
  EXPECT_EQ(web.task.env, (std::map<std::string, std::string>{{"MODE", "prod"}, {"FROM_SHELL", "yes"}}));
  ASSERT_EQ(web.ports.size(), 2u);
  EXPECT_EQ(web.ports[1].published, 5353);
  EXPECT_EQ(web.ports[1].protocol, crdt::PortProtocol::kUdp);
  EXPECT_EQ(web.task.user, "100:101");
  EXPECT_EQ(web.task.workdir, "/srv");
  EXPECT_EQ(web.health.command, "wget -q -O- localhost");
  EXPECT_EQ(web.health.interval_ms, 5000u);
  EXPECT_EQ(web.health.retries, 2u);
  EXPECT_EQ(web.replicas, 3u);
  EXPECT_EQ(web.labels, (std::map<std::string, std::string>{{kNamespaceLabel, "shop"}, {"owner", "ops"}}));
  ASSERT_EQ(web.constraints.size(), 1u);
  EXPECT_EQ(web.spread_label, "rack");
  EXPECT_EQ(web.reservations.cpu_millis, 500u);
  EXPECT_EQ(web.reservations.memory_bytes, 64u << 20);
  EXPECT_EQ(web.restart.condition, crdt::RestartCondition::kOnFailure);
  EXPECT_EQ(web.restart.max_attempts, 3u);
  EXPECT_EQ(web.restart.window_ms, 30000u);
  EXPECT_EQ(web.update.parallelism, 2u);
  EXPECT_EQ(web.update.failure_action, crdt::FailureAction::kRollback);
  EXPECT_EQ(web.update.order, crdt::UpdateOrder::kStartFirst);
  EXPECT_EQ(web.rollback.parallelism, 0u);
  const auto db = spec_of(stack->services[0]);
  EXPECT_EQ(db.mode, crdt::ServiceMode::kGlobal);
  EXPECT_EQ(db.task.entrypoint, (Args{"/bin/sh", "-c"}));
  EXPECT_EQ(db.task.command, "exec");
  EXPECT_EQ(db.task.args, (Args{"db", "--port", "5432"}));
  EXPECT_EQ(db.partition.on_partition, OnPartition::kMajority);
  EXPECT_EQ(db.partition.isolation_timeout_ms, 5000u);
  EXPECT_EQ(web.partition.on_partition, OnPartition::kDuplicate);
  // Listed once each, never dropped in silence; x- keys are the user's and not listed.
  EXPECT_EQ(stack->ignored, (Args{"networks", "services.db.build", "services.db.depends_on",
                                  "services.web.deploy.resources.limits (shoal reserves, it does not limit)"}));
}

TEST(Compose, ErrorsNameTheFileLineAndKey) {
  struct Case {
    const char* yaml;
    const char* needle;
  };
  for (const Case& c : {Case{"services:\n  web:\n    command: [a]\n", "f:3: services.web: give an image"},
                        Case{"services:\n  web:\n    image: x\n    ports: [\"80\"]\n", "services.web.ports: '80'"},
                        Case{"services:\n  web:\n    image: ${TAG:?set TAG}\n", "variable TAG is required: set TAG"},
                        Case{"services:\n  web:\n    image: x\n    healthcheck: {test: [BOGUS]}\n", "CMD-SHELL"},
                        Case{"services: {}\n", "no services"}, Case{"- a\n", "a map with services"},
                        Case{"services:\n  web: [\n", "not valid YAML"},
                        Case{"services:\n  web:\n    image: x\n    environment: 3\n", "expected a list or a map"},
                        Case{"services:\n  web:\n    image: x\n    x-shoal: {on_partiton: majority}\n",
                             "f:4: services.web.x-shoal.on_partiton: not a shoal setting"}}) {
    auto r = parse_compose(c.yaml, "s", {}, "f");
    ASSERT_FALSE(r) << c.yaml;
    EXPECT_NE(r.message().find(c.needle), std::string::npos) << c.yaml << " -> " << r.message();
  }
  EXPECT_FALSE(parse_compose(std::string(kMaxComposeFileBytes + 1, '#'), "s", {}, "f"));
}

TEST(Compose, Interpolation) {
  const Variables vars{{"A", "x"}, {"EMPTY", ""}};
  EXPECT_EQ(*interpolate("$A-${A}-$$A", vars), "x-x-$A");
  EXPECT_EQ(*interpolate("${EMPTY:-d}|${EMPTY-d}|${NONE-d}|${NONE:-${A}}", vars), "d||d|x");
  EXPECT_EQ(*interpolate("${NONE}end", vars), "end");
  EXPECT_EQ(*interpolate("cost: 5$", vars), "cost: 5$");
  EXPECT_FALSE(interpolate("${EMPTY:?no}", vars));
  EXPECT_TRUE(interpolate("${EMPTY?no}", vars));
  EXPECT_FALSE(interpolate("${A", vars));
  EXPECT_FALSE(interpolate("${A/x}", vars));
}

TEST(Compose, EnvFile) {
  auto vars = parse_env_file("# comment\nTAG=2\n\nQUOTED=\"a b\"\r\nbad line\n=x\n");
  EXPECT_EQ(vars, (Variables{{"TAG", "2"}, {"QUOTED", "a b"}}));
}

// Law: text without '$' interpolates to itself, whatever the variables.
RC_GTEST_PROP(Compose, TextWithoutDollarIsUnchanged, (std::string text)) {
  text.erase(std::remove(text.begin(), text.end(), '$'), text.end());
  auto out = interpolate(text, {{"A", "x"}});
  RC_ASSERT(out.ok());
  RC_ASSERT(*out == text);
}

}  // namespace
}  // namespace shoal::stack
