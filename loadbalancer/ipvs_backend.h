// LbBackend over IPVS (generic netlink). Messages come from ipvs_messages.h; the socket is a
// seam (GenlTransport) so the backend's logic (op -> message, scheduler fallback) is tested
// without a kernel that has IPVS (this build machine's has none; `make test-ipvs` runs a VM).
#pragma once

#include <memory>

#include "loadbalancer/ipvs_messages.h"
#include "loadbalancer/lb_backend.h"
#include "loadbalancer/lb_config.h"

namespace shoal {

class GenlTransport {
 public:
  virtual ~GenlTransport() = default;
  // Sends one request and waits for its ack: 0, or the kernel's errno (positive). Transport
  // failures (socket errors) are Result errors.
  virtual Result<int> request(const Bytes& message) = 0;
  // Sends a request expecting a data reply (GETFAMILY) and returns the raw reply bytes.
  virtual Result<Bytes> query(const Bytes& message) = 0;
};

// Generic netlink over a libmnl socket in the caller's namespace.
class MnlGenlTransport final : public GenlTransport {
 public:
  static Result<std::unique_ptr<MnlGenlTransport>> open();
  ~MnlGenlTransport() override;
  Result<int> request(const Bytes& message) override;
  Result<Bytes> query(const Bytes& message) override;

 private:
  explicit MnlGenlTransport(void* socket) : socket_(socket) {}
  void* socket_;  // mnl_socket*
};

class IpvsBackend final : public LbBackend {
 public:
  // Resolves the IPVS family; errors clearly when the kernel has no IPVS.
  static Result<std::unique_ptr<IpvsBackend>> open(std::unique_ptr<GenlTransport> transport,
                                                   const LbConfig& config);
  IpvsBackend(std::unique_ptr<GenlTransport> transport, std::uint16_t family, const LbConfig& config);

  const char* name() const override { return "ipvs"; }
  Status reset() override;
  Status apply(const std::vector<LbOp>& ops) override;

  // The scheduler in use: the configured one, or "rr" after the kernel refused it.
  const std::string& scheduler() const { return params_.scheduler; }

 private:
  Status send(const Bytes& message, const std::string& what, bool tolerate_absent);
  Status add_service(const ServiceKey& key);
  // One op on one IPVS service (apply() expands a catch-all key into tcp and udp).
  Status apply_one(const LbOp& op, const ServiceKey& key);

  std::unique_ptr<GenlTransport> transport_;
  std::uint16_t family_;
  std::uint32_t seq_ = 1;
  IpvsServiceParams params_;
  std::uint32_t catch_all_persistence_s_ = 1;  // LbConfig::ipvs_catch_all_persistence_s
};

}  // namespace shoal
