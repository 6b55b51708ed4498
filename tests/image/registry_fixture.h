// Test fixture: a real registry (Debian's docker-registry, Distribution 2.8) on loopback in a
// temp dir, test images built with umoci from busybox-static and pushed with skopeo, and the
// helper processes the fault tests need (a token server, a byte-damaging proxy). Everything
// runs as child processes of the test and is stopped by the destructors.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace shoal::image::testing {

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs `command` with /bin/sh; returns its stdout (stderr goes to the test's log). Aborts the
// test (gtest fatal failure via the returned flag) when the exit status is not 0.
struct CommandResult {
  int status = -1;
  std::string out;
};
CommandResult run_command(const std::string& command);
std::string must_run(const std::string& command);  // ADD_FAILURE + empty when it fails

// A child process with its output in a log file; SIGKILLed on destruction.
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() { kill(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  void start(const std::vector<std::string>& argv, const std::string& log_path);
  void kill();  // SIGKILL and reap; no-op when not running
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

// Waits until something accepts TCP connections on 127.0.0.1:port (up to timeout_ms).
bool wait_for_port(std::uint16_t port, int timeout_ms);
// Waits for `path` to exist and returns its content as a port number (0 on timeout).
std::uint16_t wait_for_port_file(const std::string& path, int timeout_ms);
// A port nothing listens on right now (bound and released).
std::uint16_t free_port();

struct RegistryOptions {
  std::string htpasswd_user;      // non-empty: auth.htpasswd with this user
  std::string htpasswd_password;
  std::string token_realm;        // non-empty: auth.token with this realm ...
  std::string token_cert_file;    // ... and this rootcertbundle
  bool tls = false;               // serve HTTPS with a self-signed certificate (tls_ca_file())
};

class Registry {
 public:
  explicit Registry(RegistryOptions options = {});
  ~Registry();
  void start();    // on the same port and storage each time
  void kill();     // SIGKILL (a crash, mid-pull)
  std::uint16_t port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_.path(); }
  // With options.tls: the self-signed certificate (for 127.0.0.1) that is its own CA.
  std::string tls_ca_file() const { return dir_.path() + "/tls-cert.pem"; }

 private:
  RegistryOptions options_;
  TempDir dir_;
  std::uint16_t port_ = 0;
  ChildProcess process_;
};

// A local OCI image layout with busybox images; tags are built on demand.
class ImageBuilder {
 public:
  ImageBuilder();
  const std::string& layout() const { return layout_; }
  // An image `tag`: /bin/busybox plus, if extra_bytes > 0, a file of that many random bytes
  // (a second, incompressible layer). `arch` sets the config's architecture.
  void build(const std::string& tag, std::uint64_t extra_bytes = 0,
             const std::string& arch = "amd64");
  // An OCI index `tag` over already built tags (their platform from their config).
  void build_index(const std::string& tag, const std::vector<std::string>& members);
  // skopeo copy (--all) oci:layout:tag -> docker://host/repo:dest_tag (creds "u:p" or "").
  void push(const std::string& tag, const std::string& host, const std::string& repo_and_tag,
            const std::string& creds = "");

 private:
  TempDir dir_;
  std::string layout_;
};

// The digest `skopeo inspect` reports for docker://ref (host/repo:tag).
std::string skopeo_digest(const std::string& ref, const std::string& creds = "");
// The SHA-256 of the raw manifest or index skopeo fetches for docker://ref.
std::string skopeo_raw_digest(const std::string& ref);
// sha256:<hex> of a file's bytes.
std::string file_sha256(const std::string& path);

// Python helpers that live beside this file (tests/image/*.py).
std::string helper_script(const std::string& name);
// Debian's python (its python3-jwt and python3-cryptography), not a $PATH one.
inline constexpr const char* kSystemPython = "/usr/bin/python3";

}  // namespace shoal::image::testing
