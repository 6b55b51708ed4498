#include "loadbalancer/nft_backend.h"

#include <nftables/libnftables.h>

namespace shoal {

Result<std::unique_ptr<NftablesBackend>> NftablesBackend::open(const LbConfig& config) {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (ctx == nullptr) return make_error("nftables: cannot create a libnftables context");
  // Capture messages instead of printing them, so errors come back as Results.
  nft_ctx_buffer_output(ctx);
  nft_ctx_buffer_error(ctx);
  return std::unique_ptr<NftablesBackend>(new NftablesBackend(ctx, config));
}

NftablesBackend::~NftablesBackend() { nft_ctx_free(ctx_); }

Status NftablesBackend::run(const std::string& commands) {
  last_command_bytes_ = commands.size();
  if (commands.empty()) return {};
  if (nft_run_cmd_from_buffer(ctx_, commands.c_str()) != 0) {
    std::string why = nft_ctx_get_error_buffer(ctx_);
    if (why.size() > 2000) why = why.substr(0, 2000) + "...";
    return make_error("nftables refused the update: " + why);
  }
  return {};
}

Status NftablesBackend::reset() { return run(ruleset_.reset_commands()); }

Status NftablesBackend::apply(const std::vector<LbOp>& ops) {
  NftRuleset before = ruleset_;
  auto st = run(ruleset_.commands_for(ops));
  if (!st) ruleset_ = std::move(before);  // the transaction was rolled back; so are we
  return st;
}

Status NftablesBackend::remove_table() {
  const std::string& t = config_.nft_table;
  return run("add table ip " + t + "\ndelete table ip " + t + "\n");
}

}  // namespace shoal
