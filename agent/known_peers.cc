#include "agent/known_peers.h"

#include <algorithm>

namespace shoal {

namespace {

bool plausible_addr(std::string_view line) {
  if (line.empty() || line.size() > KnownPeers::kMaxAddrBytes) return false;
  const auto colon = line.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == line.size()) return false;
  return std::all_of(line.begin() + static_cast<std::ptrdiff_t>(colon) + 1, line.end(),
                     [](char c) { return c >= '0' && c <= '9'; }) &&
         std::none_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

KnownPeers KnownPeers::decode(std::string_view text, std::size_t* dropped) {
  KnownPeers peers;
  *dropped = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!plausible_addr(line)) {
      ++*dropped;
      continue;
    }
    std::string addr(line);
    if (peers.addrs_.size() >= kMaxPeers) {
      ++*dropped;
      continue;
    }
    if (std::find(peers.addrs_.begin(), peers.addrs_.end(), addr) == peers.addrs_.end())
      peers.addrs_.push_back(std::move(addr));
  }
  return peers;
}

std::string KnownPeers::encode() const {
  std::string out;
  for (const auto& a : addrs_) out += a + "\n";
  return out;
}

bool KnownPeers::saw(const std::string& addr) {
  if (!plausible_addr(addr)) return false;
  auto it = std::find(addrs_.begin(), addrs_.end(), addr);
  const bool is_new = it == addrs_.end();
  if (!is_new) addrs_.erase(it);
  addrs_.insert(addrs_.begin(), addr);
  if (addrs_.size() > kMaxPeers) addrs_.pop_back();
  return is_new;
}

}  // namespace shoal
