// LbBackend over nftables, talking nf_tables netlink directly (libmnl; never the `nft` binary,
// nor libnftables, whose per-command cache fetch and text parsing cost 7 s for 10k services).
// Each reset()/apply() is one netlink batch, which the kernel applies all or nothing; an
// endpoint change is a few map elements (see nft_ruleset.h). The socket is bound to the
// network namespace that is current when open() runs.
#pragma once

#include <memory>

#include "loadbalancer/lb_backend.h"
#include "loadbalancer/lb_config.h"
#include "loadbalancer/nft_batch.h"
#include "loadbalancer/nft_ruleset.h"

struct mnl_socket;

namespace shoal {

class NftablesBackend final : public LbBackend {
 public:
  // Refuses a config the ruleset cannot express (table or interface name too long).
  static Result<std::unique_ptr<NftablesBackend>> open(const LbConfig& config);
  ~NftablesBackend() override;
  NftablesBackend(const NftablesBackend&) = delete;
  NftablesBackend& operator=(const NftablesBackend&) = delete;

  const char* name() const override { return "nftables"; }
  Status reset() override;
  // All ops in one transaction; on failure the kernel keeps its previous state and so does
  // the model (ruleset()).
  Status apply(const std::vector<LbOp>& ops) override;
  // Deletes our table (agent shutdown with --cleanup).
  Status remove_table();

  const NftRuleset& ruleset() const { return ruleset_; }
  // What the last apply changed, and the size of the batch it sent (how incremental it was).
  const NftChanges& last_changes() const { return last_changes_; }
  std::size_t last_batch_bytes() const { return last_batch_bytes_; }

 private:
  NftablesBackend(mnl_socket* nl, const LbConfig& config) : nl_(nl), config_(config) {}
  NftBatch new_batch();
  // Sends the batch and reads every reply: ok only if each message was acked.
  Status send(NftBatch& batch);
  Status grow_send_buffer(std::size_t bytes);
  Status grow_receive_buffer(std::size_t acks);

  mnl_socket* nl_;
  LbConfig config_;
  NftRuleset ruleset_;
  NftChanges last_changes_;
  std::uint32_t next_seq_ = 1;
  std::size_t send_buffer_bytes_ = 0;
  std::size_t receive_buffer_bytes_ = 0;
  std::size_t last_batch_bytes_ = 0;
};

}  // namespace shoal
