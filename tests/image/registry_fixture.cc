#include "tests/image/registry_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#ifndef IMAGE_TEST_DIR
#error "IMAGE_TEST_DIR must name tests/image (set in tests/image/meson.build)"
#endif

namespace shoal::image::testing {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "shoal-image-test-XXXXXX").string();
  char* p = ::mkdtemp(tmpl.data());
  if (p == nullptr) std::abort();
  path_ = p;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string must_run(const std::string& command) {
  auto r = run_command(command);
  if (r.status != 0) {
    ADD_FAILURE() << "command failed (" << r.status << "): " << command << "\n" << r.out;
    return {};
  }
  return r.out;
}

void ChildProcess::start(const std::vector<std::string>& argv, const std::string& log_path) {
  if (pid_ > 0) std::abort();
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  pid_ = pid;
}

void ChildProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int st = 0;
  ::waitpid(pid_, &st, 0);
  pid_ = -1;
}

bool wait_for_port(std::uint16_t port, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::uint16_t wait_for_port_file(const std::string& path, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(path);
    int port = 0;
    if (in >> port && port > 0) return static_cast<std::uint16_t>(port);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

std::uint16_t free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

Registry::Registry(RegistryOptions options) : options_(std::move(options)) {
  port_ = free_port();
  std::ofstream cfg(dir_.path() + "/config.yml");
  cfg << "version: 0.1\n"
      << "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
      << "storage:\n  filesystem:\n    rootdirectory: " << dir_.path() << "/data\n"
      << "http:\n  addr: 127.0.0.1:" << port_ << "\n";
  if (options_.tls) {
    must_run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1"
             " -addext subjectAltName=IP:127.0.0.1 -keyout " + dir_.path() + "/tls-key.pem"
             " -out " + tls_ca_file() + " 2>&1");
    cfg << "  tls:\n    certificate: " << tls_ca_file() << "\n    key: " << dir_.path()
        << "/tls-key.pem\n";
  }
  if (!options_.htpasswd_user.empty()) {
    must_run("htpasswd -Bbn '" + options_.htpasswd_user + "' '" + options_.htpasswd_password +
             "' > " + dir_.path() + "/htpasswd");
    cfg << "auth:\n  htpasswd:\n    realm: shoal-test\n    path: " << dir_.path() << "/htpasswd\n";
  } else if (!options_.token_realm.empty()) {
    cfg << "auth:\n  token:\n    realm: " << options_.token_realm
        << "\n    service: shoal-test\n    issuer: shoal-test-issuer\n    rootcertbundle: "
        << options_.token_cert_file << "\n";
  }
  cfg.close();
  start();
}

Registry::~Registry() { kill(); }

void Registry::start() {
  process_.start({"docker-registry", "serve", dir_.path() + "/config.yml"}, dir_.path() + "/log");
  if (!wait_for_port(port_, 10'000)) ADD_FAILURE() << "docker-registry did not listen on " << port_;
}

void Registry::kill() { process_.kill(); }

ImageBuilder::ImageBuilder() {
  layout_ = dir_.path() + "/oci";
  must_run("umoci init --layout " + layout_ + " 2>&1");
}

void ImageBuilder::build(const std::string& tag, std::uint64_t extra_bytes,
                         const std::string& arch) {
  const std::string img = layout_ + ":" + tag;
  must_run("umoci new --image " + img + " 2>&1");
  must_run("umoci insert --image " + img + " /bin/busybox /bin/busybox 2>&1");
  if (extra_bytes > 0) {
    std::string f = dir_.path() + "/extra-" + tag;
    must_run("head -c " + std::to_string(extra_bytes) + " /dev/urandom > " + f);
    must_run("umoci insert --image " + img + " " + f + " /data.bin 2>&1");
  }
  must_run("umoci config --image " + img + " --architecture " + arch + " --os linux" +
           " --config.cmd /bin/busybox --config.cmd sh 2>&1");
}

namespace {

std::string sha256_hex(const std::string& bytes) {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return hex;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

void ImageBuilder::build_index(const std::string& tag, const std::vector<std::string>& members) {
  using nlohmann::json;
  json index_json = json::parse(read_all(layout_ + "/index.json"));
  json manifests = json::array();
  for (const auto& m : members) {
    for (const auto& d : index_json["manifests"]) {
      if (d["annotations"]["org.opencontainers.image.ref.name"] != m) continue;
      std::string digest = d["digest"];
      json manifest = json::parse(read_all(layout_ + "/blobs/sha256/" + digest.substr(7)));
      std::string cfg_digest = manifest["config"]["digest"];
      json cfg = json::parse(read_all(layout_ + "/blobs/sha256/" + cfg_digest.substr(7)));
      manifests.push_back({{"mediaType", d["mediaType"]}, {"digest", digest}, {"size", d["size"]},
                           {"platform", {{"architecture", cfg["architecture"]}, {"os", cfg["os"]}}}});
    }
  }
  json index = {{"schemaVersion", 2},
                {"mediaType", "application/vnd.oci.image.index.v1+json"},
                {"manifests", manifests}};
  std::string bytes = index.dump();
  std::string hex = sha256_hex(bytes);
  std::ofstream(layout_ + "/blobs/sha256/" + hex, std::ios::binary) << bytes;
  index_json["manifests"].push_back({{"mediaType", "application/vnd.oci.image.index.v1+json"},
                                     {"digest", "sha256:" + hex},
                                     {"size", bytes.size()},
                                     {"annotations", {{"org.opencontainers.image.ref.name", tag}}}});
  std::ofstream(layout_ + "/index.json") << index_json.dump();
}

void ImageBuilder::push(const std::string& tag, const std::string& host,
                        const std::string& repo_and_tag, const std::string& creds) {
  std::string cmd = "skopeo copy -q --all --dest-tls-verify=false ";
  if (!creds.empty()) cmd += "--dest-creds '" + creds + "' ";
  must_run(cmd + "oci:" + layout_ + ":" + tag + " docker://" + host + "/" + repo_and_tag + " 2>&1");
}

std::string skopeo_digest(const std::string& ref, const std::string& creds) {
  std::string cmd = "skopeo inspect --tls-verify=false --format '{{.Digest}}' ";
  if (!creds.empty()) cmd += "--creds '" + creds + "' ";
  std::string out = must_run(cmd + "docker://" + ref + " 2>&1");
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string skopeo_raw_digest(const std::string& ref) {
  // --raw prints the manifest (or index) bytes exactly as served; their SHA-256 is its digest.
  auto raw = run_command("skopeo inspect --raw --tls-verify=false docker://" + ref);
  if (raw.status != 0) {
    ADD_FAILURE() << "skopeo inspect --raw failed: " << raw.out;
    return {};
  }
  return "sha256:" + sha256_hex(raw.out);
}

std::string file_sha256(const std::string& path) { return "sha256:" + sha256_hex(read_all(path)); }

std::string helper_script(const std::string& name) { return std::string(IMAGE_TEST_DIR) + "/" + name; }

}  // namespace shoal::image::testing
