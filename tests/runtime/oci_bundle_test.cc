#include "runtime/oci_bundle.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "runtime/oci_driver.h"

namespace shoal::runtime {
namespace {

TaskSpec oci_spec() {
  TaskSpec s;
  s.id = "web.1.2";
  s.driver = DriverKind::kOci;
  s.rootfs = "/srv/rootfs";
  s.command = {"/bin/sh", "-c", "echo \"hi\"\n"};
  s.env = {"A=1"};
  s.memory_bytes = 32 << 20;
  s.cpu_millis = 500;
  s.pids_max = 20;
  return s;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

TEST(OciBundle, QuotesJsonStrings) {
  EXPECT_EQ(json_quote("a\"b\\c\n\t\x01"), "\"a\\\"b\\\\c\\n\\t\\u0001\"");
  EXPECT_EQ(json_quote("h\xc3\xa9"), "\"h\xc3\xa9\"");  // UTF-8 passes through
}

TEST(OciBundle, ConfigCarriesSpec) {
  std::string j = oci_config_json(oci_spec(), {"/shoal/web.1.2", ""});
  EXPECT_TRUE(contains(j, "\"args\":[\"/bin/sh\",\"-c\",\"echo \\\"hi\\\"\\n\"]"));
  EXPECT_TRUE(contains(j, "\"env\":[\"A=1\",\"PATH="));  // PATH added when the spec has none
  EXPECT_TRUE(contains(j, "\"root\":{\"path\":\"/srv/rootfs\""));
  EXPECT_TRUE(contains(j, "\"hostname\":\"web.1.2\""));
  EXPECT_TRUE(contains(j, "\"cgroupsPath\":\"/shoal/web.1.2\""));
  EXPECT_TRUE(contains(j, "\"memory\":{\"limit\":33554432,\"swap\":33554432}"));
  EXPECT_TRUE(contains(j, "\"cpu\":{\"quota\":50000,\"period\":100000}"));
  EXPECT_TRUE(contains(j, "\"pids\":{\"limit\":20}"));
  EXPECT_TRUE(contains(j, "{\"type\":\"pid\"}"));
  EXPECT_FALSE(contains(j, "\"network\""));  // host network unless asked
  EXPECT_TRUE(contains(j, "\"user\":{\"uid\":0,\"gid\":0}"));  // root unless the image says otherwise
}

TEST(OciBundle, ImageUserBecomesTheProcessUser) {
  TaskSpec spec = oci_spec();
  spec.uid = 33;
  spec.gid = 34;
  EXPECT_TRUE(contains(oci_config_json(spec, {"/shoal/web.1.2", ""}), "\"user\":{\"uid\":33,\"gid\":34}"));
}

TEST(OciBundle, NetworkNamespaceHook) {
  TaskSpec s = oci_spec();
  s.network_namespace = "new";
  EXPECT_TRUE(contains(oci_config_json(s, {}), "{\"type\":\"network\"}"));
  s.network_namespace = "/run/netns/web";
  EXPECT_TRUE(contains(oci_config_json(s, {}), "{\"type\":\"network\",\"path\":\"/run/netns/web\"}"));
}

TEST(OciBundle, ResolvConfIsAReadOnlyBindMount) {
  TaskSpec s = oci_spec();
  EXPECT_FALSE(contains(oci_config_json(s, {}), "resolv.conf"));
  s.resolv_conf = "/run/shoal/n1/web.1.1/resolv.conf";
  EXPECT_TRUE(contains(oci_config_json(s, {}),
                       "{\"destination\":\"/etc/resolv.conf\",\"type\":\"bind\",\"source\":"
                       "\"/run/shoal/n1/web.1.1/resolv.conf\",\"options\":[\"rbind\",\"ro\"]}"));
}

TEST(OciBundle, UnlimitedSpecHasNoLimits) {
  TaskSpec s = oci_spec();
  s.memory_bytes = s.cpu_millis = s.pids_max = 0;
  std::string j = oci_config_json(s, {});
  EXPECT_FALSE(contains(j, "\"memory\""));
  EXPECT_FALSE(contains(j, "\"quota\""));
}

// Balanced brackets and quotes outside strings: a cheap structural check for any input.
RC_GTEST_PROP(OciBundleProps, ConfigIsStructurallyValidForAnyArgs, (std::vector<std::string> args)) {
  TaskSpec s = oci_spec();
  if (!args.empty()) s.command = args;
  std::string j = oci_config_json(s, {"/p/x", ""});
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : j) {
    if (in_string) {
      RC_ASSERT(static_cast<unsigned char>(c) >= 0x20);  // control chars are always escaped
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    RC_ASSERT(depth >= 0);
  }
  RC_ASSERT(!in_string);
  RC_ASSERT(depth == 0);
}

TEST(OciDriver, RequestsNameTheRuntimeRootAndBundle) {
  TaskSpec s = oci_spec();
  OciLaunch l{"/usr/sbin/runc", "/st/oci", "/st/b/web.1.2", "/st/b/web.1.2/container.pid", "/l/o", "/l/e"};
  auto run = oci_spawn_request(s, l);
  EXPECT_EQ(run.argv, (std::vector<std::string>{"/usr/sbin/runc", "--root", "/st/oci", "run", "--bundle",
                                                "/st/b/web.1.2", "--pid-file", "/st/b/web.1.2/container.pid",
                                                "web.1.2"}));
  EXPECT_EQ(run.stdout_path, "/l/o");
  EXPECT_FALSE(run.new_namespaces);  // runc makes them
  s.health.kind = HealthCheckSpec::Kind::kExec;
  s.health.command = {"test", "-f", "/ready"};
  EXPECT_EQ(oci_probe_request(s, l, 42).argv,
            (std::vector<std::string>{"/usr/sbin/runc", "--root", "/st/oci", "exec", "web.1.2", "test", "-f", "/ready"}));
  s.health.kind = HealthCheckSpec::Kind::kTcp;
  s.health.tcp_port = 80;
  auto tcp = oci_probe_request(s, l, 42);
  EXPECT_EQ(tcp.tcp_connect_port, 80);
  EXPECT_EQ(tcp.join_namespaces_of, 42);
  EXPECT_EQ(oci_cgroups_path("shoal", "web.1.2"), "/shoal/web.1.2");
}

TEST(OciDriver, PrefersRuncAndRefusesCrunOnHybridHosts) {
  CgroupLayout v1;
  v1.mode = CgroupMode::kV1;
  auto found = find_oci_runtime("", v1);
  if (found.ok()) {
    EXPECT_NE(found->find("runc"), std::string::npos);
  } else {
    EXPECT_NE(found.message().find("runc"), std::string::npos) << found.message();
  }
  auto missing = find_oci_runtime("/nonexistent/runtime-binary-x", v1);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("not executable"), std::string::npos) << missing.message();
  EXPECT_TRUE(find_oci_runtime("/bin/sh", v1).ok());  // an explicit choice wins
  EXPECT_FALSE(find_oci_runtime("no-such-runtime-anywhere", v1).ok());
}

}  // namespace
}  // namespace shoal::runtime
