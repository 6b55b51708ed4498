#include "loadbalancer/nft_ruleset.h"

#include <algorithm>
#include <optional>

namespace shoal {

namespace {

void remove_slot(std::vector<Backend>& slots, const Backend& backend) {
  auto it = std::find(slots.begin(), slots.end(), backend);
  if (it == slots.end()) return;  // not there: nothing to do (plan_lb never asks for it)
  *it = slots.back();             // the last backend takes the freed slot: slots stay dense
  slots.pop_back();
}

}  // namespace

void NftRuleset::reset(std::uint32_t pick_chains) {
  slots_.clear();
  pick_chains_.clear();
  for (std::uint32_t n = 1; n <= pick_chains; ++n) {
    pick_chains_.insert(NftPickChain{false, n});
    pick_chains_.insert(NftPickChain{true, n});
  }
}

const std::vector<Backend>* NftRuleset::slots(const ServiceKey& key) const {
  auto it = slots_.find(key);
  return it == slots_.end() ? nullptr : &it->second;
}

NftChanges NftRuleset::plan(const std::vector<LbOp>& ops) {
  NftChanges out;
  auto& before = out.before;
  auto touch = [&](const ServiceKey& key) {
    if (before.count(key)) return;
    auto it = slots_.find(key);
    before[key] = it == slots_.end() ? std::nullopt : std::optional(it->second);
  };
  for (const auto& op : ops) {
    if (auto* o = std::get_if<AddService>(&op)) {
      touch(o->key);
      slots_[o->key];
    } else if (auto* o = std::get_if<DelService>(&op)) {
      touch(o->key);
      slots_.erase(o->key);
    } else if (auto* o = std::get_if<AddBackend>(&op)) {
      touch(o->key);
      auto& s = slots_[o->key];
      if (std::find(s.begin(), s.end(), o->backend) == s.end()) s.push_back(o->backend);
    } else if (auto* o = std::get_if<DelBackend>(&op)) {
      touch(o->key);
      if (auto it = slots_.find(o->key); it != slots_.end()) remove_slot(it->second, o->backend);
    }
  }
  for (const auto& [key, old] : before) diff_service(key, old ? &*old : nullptr, out);
  return out;
}

void NftRuleset::revert(const NftChanges& changes) {
  for (const auto& [key, old] : changes.before) {
    if (old) slots_[key] = *old;
    else slots_.erase(key);
  }
  for (const auto& chain : changes.new_pick_chains) pick_chains_.erase(chain);
}

// Appends the element changes that take one service from `before` to its current slots.
void NftRuleset::diff_service(const ServiceKey& key, const std::vector<Backend>* before, NftChanges& out) {
  static const std::vector<Backend> kNone;
  auto it = slots_.find(key);
  const std::vector<Backend>* now = it == slots_.end() ? nullptr : &it->second;
  const auto& old_slots = before ? *before : kNone;
  const auto& new_slots = now ? *now : kNone;
  for (std::uint32_t i = 0; i < std::max(old_slots.size(), new_slots.size()); ++i) {
    bool had = i < old_slots.size(), has = i < new_slots.size();
    if (had && has && old_slots[i] == new_slots[i]) continue;
    if (had) out.slot_deletes.push_back(NftSlot{key, i});
    if (has) out.slot_adds.emplace_back(NftSlot{key, i}, new_slots[i]);
  }
  bool count_changed = (before == nullptr) != (now == nullptr) || old_slots.size() != new_slots.size();
  if (!count_changed) return;
  if (before) out.service_deletes.push_back(key);
  if (!now) return;
  auto count = static_cast<std::uint32_t>(new_slots.size());
  out.service_adds.emplace_back(key, count);
  const NftPickChain chain{key.catch_all(), count};
  if (count > 0 && pick_chains_.insert(chain).second) out.new_pick_chains.push_back(chain);
}

}  // namespace shoal
