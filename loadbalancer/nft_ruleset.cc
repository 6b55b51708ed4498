#include "loadbalancer/nft_ruleset.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace shoal {

namespace {

std::string key_element(const ServiceKey& key) {
  return to_string(key.vip) + " . " + protocol_name(key.protocol) + " . " + std::to_string(key.port);
}

std::string backend_value(const Backend& b) { return to_string(b.ip) + " . " + std::to_string(b.port); }

void remove_slot(std::vector<Backend>& slots, const Backend& backend) {
  auto it = std::find(slots.begin(), slots.end(), backend);
  if (it == slots.end()) return;  // not there: nothing to do (plan never asks for it)
  *it = slots.back();             // the last backend takes the freed slot
  slots.pop_back();
}

}  // namespace

std::string NftRuleset::chain_name(const ServiceKey& key) const {
  char name[48];
  std::snprintf(name, sizeof name, "svc_%08x_%s_%u", key.vip.value, protocol_name(key.protocol), key.port);
  return name;
}

std::string NftRuleset::map_name(const ServiceKey& key) const {
  return "eps" + chain_name(key).substr(3);
}

std::string NftRuleset::rule_for(const ServiceKey& key, std::size_t backend_count) const {
  if (backend_count == 0) return "drop";
  const char* proto = protocol_name(key.protocol);
  std::string selector;
  if (config_.nft_selector == NftSelector::kJhash) {
    char seed[16];
    std::snprintf(seed, sizeof seed, "0x%x", config_.nft_jhash_seed);
    selector = std::string("jhash ip saddr . ") + proto + " sport mod " + std::to_string(backend_count) + " seed " + seed;
  } else {
    selector = "numgen random mod " + std::to_string(backend_count);
  }
  return std::string("meta l4proto ") + proto + " dnat ip to " + selector + " map @" + map_name(key);
}

const std::vector<Backend>* NftRuleset::slots(const ServiceKey& key) const {
  auto it = slots_.find(key);
  return it == slots_.end() ? nullptr : &it->second;
}

std::string NftRuleset::reset_commands() {
  slots_.clear();
  const std::string& t = config_.nft_table;
  const std::string lookup = "ip daddr . meta l4proto . th dport vmap @services";
  // "add" then "delete": deletes the table whether or not it existed, in one transaction.
  return "add table ip " + t + "\ndelete table ip " + t + "\nadd table ip " + t +
         "\nadd map ip " + t + " services { type ipv4_addr . inet_proto . inet_service : verdict ; }" +
         "\nadd chain ip " + t + " prerouting { type nat hook prerouting priority -100 ; policy accept ; }" +
         "\nadd chain ip " + t + " output { type nat hook output priority -100 ; policy accept ; }" +
         "\nadd rule ip " + t + " prerouting " + lookup + "\nadd rule ip " + t + " output " + lookup + "\n";
}

std::string NftRuleset::commands_for(const std::vector<LbOp>& ops) {
  const std::string& t = config_.nft_table;
  std::set<ServiceKey> added, deleted;
  std::map<ServiceKey, std::vector<Backend>> before;  // slot tables of touched services
  auto touch = [&](const ServiceKey& key) {
    if (!before.count(key)) before[key] = slots_.count(key) ? slots_[key] : std::vector<Backend>{};
  };
  for (const auto& op : ops) {
    if (auto* o = std::get_if<AddService>(&op)) {
      touch(o->key);
      if (deleted.erase(o->key) == 0) added.insert(o->key);
      slots_[o->key];
    } else if (auto* o = std::get_if<DelService>(&op)) {
      touch(o->key);
      if (added.erase(o->key) == 0) deleted.insert(o->key);
      slots_.erase(o->key);
    } else if (auto* o = std::get_if<AddBackend>(&op)) {
      touch(o->key);
      auto& s = slots_[o->key];
      if (std::find(s.begin(), s.end(), o->backend) == s.end()) s.push_back(o->backend);
    } else if (auto* o = std::get_if<DelBackend>(&op)) {
      touch(o->key);
      remove_slot(slots_[o->key], o->backend);
    }
  }

  std::string out;
  std::string service_adds, service_dels;
  for (const auto& key : deleted) {
    service_dels += (service_dels.empty() ? "" : ", ") + key_element(key);
  }
  if (!service_dels.empty()) out += "delete element ip " + t + " services { " + service_dels + " }\n";
  for (const auto& key : deleted) {
    out += "flush chain ip " + t + " " + chain_name(key) + "\ndelete chain ip " + t + " " + chain_name(key) +
           "\ndelete map ip " + t + " " + map_name(key) + "\n";
  }
  for (const auto& key : added) {
    const char* proto = protocol_name(key.protocol);
    out += "add chain ip " + t + " " + chain_name(key) + "\nadd map ip " + t + " " + map_name(key) +
           " { typeof numgen random mod 1 : ip daddr . " + proto + " dport ; }\n";
  }
  for (const auto& [key, old_slots] : before) {
    if (deleted.count(key)) continue;
    const auto& now = slots_[key];
    std::string dels, adds;
    for (std::size_t i = 0; i < std::max(old_slots.size(), now.size()); ++i) {
      bool had = i < old_slots.size(), has = i < now.size();
      if (had && (!has || old_slots[i] != now[i])) dels += (dels.empty() ? "" : ", ") + std::to_string(i);
      if (has && (!had || old_slots[i] != now[i]))
        adds += (adds.empty() ? "" : ", ") + std::to_string(i) + " : " + backend_value(now[i]);
    }
    if (!dels.empty()) out += "delete element ip " + t + " " + map_name(key) + " { " + dels + " }\n";
    if (!adds.empty()) out += "add element ip " + t + " " + map_name(key) + " { " + adds + " }\n";
    if (added.count(key) || old_slots.size() != now.size()) {
      if (!added.count(key)) out += "flush chain ip " + t + " " + chain_name(key) + "\n";
      out += "add rule ip " + t + " " + chain_name(key) + " " + rule_for(key, now.size()) + "\n";
    }
  }
  for (const auto& key : added)
    service_adds += (service_adds.empty() ? "" : ", ") + key_element(key) + " : goto " + chain_name(key);
  if (!service_adds.empty()) out += "add element ip " + t + " services { " + service_adds + " }\n";
  return out;
}

}  // namespace shoal
