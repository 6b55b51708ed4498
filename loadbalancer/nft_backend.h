// LbBackend over nftables, applied through libnftables (the library `nft` itself uses; never
// by running the binary). Each apply() is one nftables transaction: all of it or none.
// The context is bound to the network namespace that is current when open() runs.
#pragma once

#include <memory>

#include "loadbalancer/lb_backend.h"
#include "loadbalancer/nft_ruleset.h"

struct nft_ctx;

namespace shoal {

class NftablesBackend final : public LbBackend {
 public:
  static Result<std::unique_ptr<NftablesBackend>> open(const LbConfig& config);
  ~NftablesBackend() override;
  NftablesBackend(const NftablesBackend&) = delete;
  NftablesBackend& operator=(const NftablesBackend&) = delete;

  const char* name() const override { return "nftables"; }
  Status reset() override;
  Status apply(const std::vector<LbOp>& ops) override;
  // Deletes our table (agent shutdown with --cleanup).
  Status remove_table();

  const NftRuleset& ruleset() const { return ruleset_; }
  // Bytes of nft commands the last apply sent (a measure of how incremental it was).
  std::size_t last_command_bytes() const { return last_command_bytes_; }

 private:
  NftablesBackend(nft_ctx* ctx, const LbConfig& config) : ctx_(ctx), ruleset_(config), config_(config) {}
  Status run(const std::string& commands);

  nft_ctx* ctx_;
  NftRuleset ruleset_;
  LbConfig config_;
  std::size_t last_command_bytes_ = 0;
};

}  // namespace shoal
