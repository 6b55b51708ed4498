// Seals outgoing and checks incoming gossip packets: the sans-IO piece between the keyring and
// the SWIM core that the Asio transport and the simulator both use. Incoming, in order: size,
// AEAD (common/keyring.h), channel, destination, replay (common/replay_filter.h); each failure
// is one DropReason. Nothing here reads a clock: replay protection is epoch + counter, so a node
// whose wall clock is minutes, years or decades off is heard like any other.
//
// Destinations. A packet names its destination node (node_hash of its name) in the associated
// data; a packet for another node is dropped as `wrong_destination`, so a packet captured on the
// wire cannot be replayed to a different node. The sender knows the name when the core does
// (Outgoing::to_node), else from the last authentic datagram that came from that address. Only a
// stream request may go to an unknown node (0): a join push-pull to a seed address, whose name
// nobody told us; its replay to the same node is still caught by the replay window, and to
// another node it is an authentic cluster view, which the membership merge rules treat as news.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/envelope.h"
#include "common/keyring.h"
#include "common/replay_filter.h"
#include "common/result.h"

namespace shoal::membership {

struct GuardedPacket {
  Bytes plaintext;
  std::uint64_t sender_id = 0;  // node_hash of the sender's name: reply to it
};

class PacketGuard {
 public:
  // Addresses remembered with the sender id last seen from them (see Destinations above);
  // least recently learned forgotten first. 4096 = ReplayFilterConfig::peers_max.
  static constexpr std::size_t kLearnedAddrsMax = 4096;

  // `keyring` is borrowed and may change (key rotation) while the guard lives. `epoch`: random
  // and non-zero, chosen once per process start (the shell from the OS, the simulator from its
  // seed).
  PacketGuard(const Keyring& keyring, std::string self_name, std::uint64_t epoch,
              ReplayFilterConfig replay = {});

  // The destination id for a packet to `to_addr`: node_hash(to_node) if given, else the id
  // learned from that address, else 0 (unknown).
  std::uint64_t destination_for(const std::string& to_addr, const std::string& to_node) const;

  Bytes seal(SealChannel channel, std::uint64_t destination_id, const Bytes& plaintext);

  // Opens a packet that arrived on `channel` from `from_addr`. On failure sets *why.
  Result<GuardedPacket> open(SealChannel channel, const std::string& from_addr, const std::uint8_t* data,
                             std::size_t size, DropReason* why);

  std::uint64_t self_id() const { return self_id_; }
  std::uint64_t epoch() const { return epoch_; }
  const ReplayFilter& replay() const { return replay_; }

 private:
  void learn(const std::string& from_addr, std::uint64_t sender_id);

  const Keyring& keyring_;
  std::uint64_t self_id_;
  std::uint64_t epoch_;
  std::uint64_t counter_ = 0;
  ReplayFilter replay_;
  std::map<std::string, std::uint64_t> learned_;  // datagram source address -> sender id
  std::map<std::uint64_t, std::string> learned_order_;  // learn sequence -> address (eviction)
  std::map<std::string, std::uint64_t> learned_seq_;    // address -> its learn sequence
  std::uint64_t learn_seq_ = 0;
};

}  // namespace shoal::membership
