#include "membership/packet_guard.h"

namespace shoal::membership {

PacketGuard::PacketGuard(const Keyring& keyring, std::string self_name, std::uint64_t epoch,
                         ReplayFilterConfig replay)
    : keyring_(keyring), self_id_(node_hash(self_name)), epoch_(epoch), replay_(epoch, replay) {
  SHOAL_ASSERT(epoch_ != 0);
}

std::uint64_t PacketGuard::destination_for(const std::string& to_addr, const std::string& to_node) const {
  if (!to_node.empty()) return node_hash(to_node);
  auto it = learned_.find(to_addr);
  return it == learned_.end() ? 0 : it->second;
}

Bytes PacketGuard::seal(SealChannel channel, std::uint64_t destination_id, const Bytes& plaintext) {
  SealHeader h{channel, self_id_, destination_id, epoch_, ++counter_, replay_.current_epoch(destination_id)};
  return keyring_.seal(plaintext, h);
}

Result<GuardedPacket> PacketGuard::open(SealChannel channel, const std::string& from_addr, const std::uint8_t* data,
                                        std::size_t size, DropReason* why) {
  auto opened = keyring_.open(data, size, why);
  if (!opened) return opened.error();
  const SealHeader& h = opened->header;
  if (h.channel != channel) {
    *why = DropReason::kWrongChannel;
    return make_error("packet sealed for another channel");
  }
  const bool unknown_ok = channel == SealChannel::kStreamRequest && h.destination_id == 0;
  if (h.destination_id != self_id_ && !unknown_ok) {
    *why = DropReason::kWrongDestination;
    return make_error("packet sealed for another node");
  }
  if (h.sender_id == self_id_) {  // our own packet reflected back, or a node with our name
    *why = DropReason::kReplayed;
    return make_error("packet claims to come from this node");
  }
  if (auto v = replay_.accept(h.sender_id, h.epoch, h.counter, h.echo); v != ReplayVerdict::kFresh) {
    *why = DropReason::kReplayed;
    return make_error(std::string("replayed packet (") + replay_verdict_name(v) + ")");
  }
  if (channel == SealChannel::kDatagram) learn(from_addr, h.sender_id);
  return GuardedPacket{std::move(opened->plaintext), h.sender_id};
}

void PacketGuard::learn(const std::string& from_addr, std::uint64_t sender_id) {
  if (from_addr.empty()) return;
  auto seq = learned_seq_.find(from_addr);
  if (seq != learned_seq_.end()) {
    learned_[from_addr] = sender_id;
    return;  // keep its place: eviction by first learned is enough to bound memory
  }
  if (learned_.size() >= kLearnedAddrsMax) {
    auto oldest = learned_order_.begin();
    learned_.erase(oldest->second);
    learned_seq_.erase(oldest->second);
    learned_order_.erase(oldest);
  }
  learned_[from_addr] = sender_id;
  learned_seq_[from_addr] = learn_seq_;
  learned_order_[learn_seq_++] = from_addr;
}

}  // namespace shoal::membership
