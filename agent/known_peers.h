// The peers a node has seen alive, remembered in the data dir ("peers", one address a line, most
// recent first) and given to the node core at start as extra join targets: a node restarted
// without --join, or whose seeds are gone, still finds its cluster (node/node_core.h run_join).
// Pure: the agent reads and writes the file (agent/atomic_file.h).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace shoal {

class KnownPeers {
 public:
  // 64 addresses: a few live ones suffice to rejoin (SWIM learns the rest from any of them), and
  // the file stays a few KiB however large the cluster.
  static constexpr std::size_t kMaxPeers = 64;
  // "host:port" with a DNS name at its longest (253) and a port; longer lines are not addresses.
  static constexpr std::size_t kMaxAddrBytes = 253 + 6;

  // The file's contents; lines that are empty, too long or without a port are dropped and
  // counted in *dropped, and only the first kMaxPeers are kept (the file is bounded before it
  // is believed: it may have been edited or truncated).
  static KnownPeers decode(std::string_view text, std::size_t* dropped);
  std::string encode() const;

  // `addr` was seen alive: it becomes the most recent. True if the remembered set changed (a new
  // address, possibly pushing out the oldest): then the file is worth writing. A move within
  // the list alone is not, so a flapping member costs no disk writes.
  bool saw(const std::string& addr);

  const std::vector<std::string>& addrs() const { return addrs_; }

 private:
  std::vector<std::string> addrs_;  // most recent first, at most kMaxPeers, no duplicates
};

}  // namespace shoal
