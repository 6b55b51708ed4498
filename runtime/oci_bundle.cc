#include "runtime/oci_bundle.h"

#include "common/json_writer.h"

#include <cstdio>

#include "runtime/cgroup.h"

namespace shoal::runtime {
namespace {

std::string json_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ",";
    out += json_quote(items[i]);
  }
  return out + "]";
}

std::string mount(const char* dest, const char* type, const char* source,
                  const std::vector<std::string>& options) {
  return std::string("{\"destination\":") + json_quote(dest) + ",\"type\":" + json_quote(type) +
         ",\"source\":" + json_quote(source) + ",\"options\":" + json_array(options) + "}";
}

std::string resources(const TaskSpec& spec) {
  std::string r = "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]";
  if (spec.memory_bytes > 0) {
    // swap == limit: no swap on top, so exceeding the limit OOM-kills (as the process driver).
    r += ",\"memory\":{\"limit\":" + std::to_string(spec.memory_bytes) +
         ",\"swap\":" + std::to_string(spec.memory_bytes) + "}";
  }
  if (spec.cpu_millis > 0) {
    const std::int64_t quota = std::max<std::int64_t>(1000, spec.cpu_millis * kCpuPeriodUs / 1000);
    r += ",\"cpu\":{\"quota\":" + std::to_string(quota) + ",\"period\":" + std::to_string(kCpuPeriodUs) + "}";
  }
  if (spec.pids_max > 0) r += ",\"pids\":{\"limit\":" + std::to_string(spec.pids_max) + "}";
  return r + "}";
}

std::string namespaces(const TaskSpec& spec) {
  std::string ns = "[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}";
  if (spec.network_namespace == "new") {
    ns += ",{\"type\":\"network\"}";
  } else if (!spec.network_namespace.empty()) {
    ns += ",{\"type\":\"network\",\"path\":" + json_quote(spec.network_namespace) + "}";
  }
  return ns + "]";
}

}  // namespace

std::string json_quote(std::string_view text) { return json_escape(text); }

std::string oci_config_json(const TaskSpec& spec, const OciBundleOptions& options) {
  std::vector<std::string> env = spec.env;
  bool has_path = false;
  for (const auto& e : env) has_path = has_path || e.starts_with("PATH=");
  if (!has_path) env.push_back("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  const std::string cwd = spec.working_dir.empty() ? "/" : spec.working_dir;
  const std::string hostname = options.hostname.empty() ? spec.id : options.hostname;

  std::string j = "{\"ociVersion\":\"1.0.2\",";
  j += "\"process\":{\"terminal\":false,\"user\":{\"uid\":" + std::to_string(spec.uid) + ",\"gid\":" +
       std::to_string(spec.gid) + "},";
  j += "\"args\":" + json_array(spec.command) + ",\"env\":" + json_array(env) + ",";
  j += "\"cwd\":" + json_quote(cwd) + ",\"noNewPrivileges\":true,";
  // The default Docker capability set minus the network-admin ones; enough for servers.
  j += "\"capabilities\":{";
  const std::string caps = json_array({"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
                                       "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
                                       "CAP_KILL", "CAP_AUDIT_WRITE"});
  j += "\"bounding\":" + caps + ",\"effective\":" + caps + ",\"permitted\":" + caps + "},";
  j += "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}]},";
  j += "\"root\":{\"path\":" + json_quote(spec.rootfs) + ",\"readonly\":false},";
  j += "\"hostname\":" + json_quote(hostname) + ",";
  j += "\"mounts\":[" + mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}) + "," +
       mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}) + "," +
       mount("/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}) + "," +
       mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}) + "," +
       mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}) + "," +
       mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}) +
       (spec.resolv_conf.empty() ? std::string()
                                 : "," + mount("/etc/resolv.conf", "bind", spec.resolv_conf.c_str(), {"rbind", "ro"})) +
       "],";
  j += "\"linux\":{\"cgroupsPath\":" + json_quote(options.cgroups_path) + ",";
  j += "\"resources\":" + resources(spec) + ",";
  j += "\"namespaces\":" + namespaces(spec) + ",";
  j += "\"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\",\"/proc/timer_list\",\"/sys/firmware\"],";
  j += "\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]}}";
  return j;
}

}  // namespace shoal::runtime
