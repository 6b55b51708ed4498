// Helpers for e2e tests that build their own network namespaces with `ip` (tests may shell out;
// the libraries never do). Every namespace is removed by its destructor, so a failing assert
// still cleans up. Names carry the pid so parallel runs never collide.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace shoal::testing {

inline int sh(const std::string& command) {
  int rc = std::system((command + " >/dev/null 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

inline std::string sh_output(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen((command + " 2>/dev/null").c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

// Why this machine cannot run network e2e tests, or "" if it can.
inline std::string netns_unavailable() {
  if (::geteuid() != 0) return "needs root";
  if (sh("command -v ip") != 0) return "needs iproute2 (ip)";
  std::string probe = "shoal-probe-" + std::to_string(::getpid());
  if (sh("ip netns add " + probe) != 0) return "cannot create network namespaces";
  sh("ip netns del " + probe);
  return "";
}

class Netns {
 public:
  explicit Netns(const std::string& base) : name_(base + "-" + std::to_string(::getpid())) {
    sh("ip netns del " + name_);
    ok_ = sh("ip netns add " + name_) == 0;
    if (ok_) sh(exec("ip link set lo up"));
  }
  ~Netns() {
    // Kill anything the test started in it (servers) before removing it.
    sh("ip netns pids " + name_ + " | xargs -r kill -9");
    sh("ip netns del " + name_);
  }
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;

  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }
  std::string path() const { return "/run/netns/" + name_; }
  std::string exec(const std::string& command) const { return "ip netns exec " + name_ + " " + command; }
  int run(const std::string& command) const { return sh(exec(command)); }

 private:
  std::string name_;
  bool ok_ = false;
};

// A veth pair between two namespaces with an address on each end.
inline bool link_namespaces(const Netns& a, const std::string& a_addr, const Netns& b,
                            const std::string& b_addr, const std::string& tag) {
  std::string ea = "va" + tag, eb = "vb" + tag;
  return sh("ip link add " + ea + " netns " + a.name() + " type veth peer name " + eb + " netns " + b.name()) == 0 &&
         a.run("ip addr add " + a_addr + " dev " + ea) == 0 && a.run("ip link set " + ea + " up") == 0 &&
         b.run("ip addr add " + b_addr + " dev " + eb) == 0 && b.run("ip link set " + eb + " up") == 0;
}

}  // namespace shoal::testing
