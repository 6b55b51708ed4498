// A fake kernel for the overlay: keeps links, addresses, FDB, neighbour and route tables as sets
// and behaves like the kernel where shoal relies on it (create fails on an existing name, delete
// of something absent succeeds, replace overwrites). `fail_after` injects an error.
#pragma once

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "overlay/netlink.h"

namespace shoal::testing {

class FakeNetlink : public Netlink {
 public:
  struct Link {
    std::string kind;
    std::uint32_t mtu = 0;
    std::string master;
    bool up = false;
    VxlanSpec vxlan;
  };
  std::map<std::string, Link> links;
  std::set<std::tuple<std::string, Ipv4, std::uint8_t>> addresses;
  std::set<std::tuple<std::string, MacAddr, Ipv4>> fdb;
  std::map<std::pair<std::string, Ipv4>, MacAddr> neighbours;
  std::set<Route> routes;
  std::vector<std::string> log;  // one line per mutating call
  int calls = 0;
  int fail_at_call = -1;         // the call with this number (0-based) fails

  Status create_vxlan(const VxlanSpec& spec) override {
    if (auto st = step("vxlan " + spec.name); !st) return st;
    if (links.count(spec.name)) return make_error("exists");
    links[spec.name] = Link{"vxlan", spec.mtu, "", false, spec};
    return {};
  }
  Status create_bridge(std::string_view name, std::uint32_t mtu) override {
    if (auto st = step("bridge " + std::string(name)); !st) return st;
    if (links.count(std::string(name))) return make_error("exists");
    links[std::string(name)] = Link{"bridge", mtu, "", false, {}};
    return {};
  }
  Status create_veth(std::string_view name, std::string_view peer, std::uint32_t mtu) override {
    if (auto st = step("veth " + std::string(name)); !st) return st;
    if (links.count(std::string(name)) || links.count(std::string(peer))) return make_error("exists");
    links[std::string(name)] = Link{"veth", mtu, "", false, {}};
    links[std::string(peer)] = Link{"veth", mtu, "", false, {}};
    return {};
  }
  Status delete_link(std::string_view name) override {
    if (auto st = step("dellink " + std::string(name)); !st) return st;
    std::string n(name);
    links.erase(n);
    std::erase_if(fdb, [&](const auto& e) { return std::get<0>(e) == n; });
    std::erase_if(neighbours, [&](const auto& e) { return e.first.first == n; });
    std::erase_if(routes, [&](const Route& r) { return r.dev == n; });
    std::erase_if(addresses, [&](const auto& a) { return std::get<0>(a) == n; });
    return {};
  }
  Status set_master(std::string_view name, std::string_view master) override {
    if (auto st = step("master " + std::string(name)); !st) return st;
    if (!links.count(std::string(name)) || !links.count(std::string(master))) return make_error("no link");
    links[std::string(name)].master = master;
    return {};
  }
  Status set_up(std::string_view name) override {
    if (auto st = step("up " + std::string(name)); !st) return st;
    if (!links.count(std::string(name))) return make_error("no link");
    links[std::string(name)].up = true;
    return {};
  }
  Status rename_link(std::string_view name, std::string_view new_name) override {
    if (auto st = step("rename " + std::string(name)); !st) return st;
    auto it = links.find(std::string(name));
    if (it == links.end()) return make_error("no link");
    auto link = it->second;
    links.erase(it);
    links[std::string(new_name)] = link;
    return {};
  }
  Status move_to_netns(std::string_view name, int) override {
    if (auto st = step("netns " + std::string(name)); !st) return st;
    if (!links.erase(std::string(name))) return make_error("no link");
    moved.push_back(std::string(name));
    return {};
  }
  Status add_address(std::string_view dev, Ipv4 addr, std::uint8_t len) override {
    if (auto st = step("addr " + std::string(dev) + " " + to_string(addr)); !st) return st;
    if (!links.count(std::string(dev))) return make_error("no link");
    addresses.insert({std::string(dev), addr, len});
    return {};
  }
  Status delete_address(std::string_view dev, Ipv4 addr, std::uint8_t len) override {
    if (auto st = step("deladdr " + std::string(dev) + " " + to_string(addr)); !st) return st;
    addresses.erase({std::string(dev), addr, len});
    return {};
  }
  Status replace_route(const Route& route) override {
    if (auto st = step("route " + to_string(route.dst)); !st) return st;
    std::erase_if(routes, [&](const Route& r) { return r.dst == route.dst; });
    routes.insert(route);
    return {};
  }
  Status delete_route(const Route& route) override {
    if (auto st = step("delroute " + to_string(route.dst)); !st) return st;
    routes.erase(route);
    return {};
  }
  Status append_fdb(std::string_view dev, const MacAddr& mac, Ipv4 dst) override {
    if (auto st = step("fdb " + to_string(mac) + " " + to_string(dst)); !st) return st;
    fdb.insert({std::string(dev), mac, dst});
    return {};
  }
  Status delete_fdb(std::string_view dev, const MacAddr& mac, Ipv4 dst) override {
    if (auto st = step("delfdb " + to_string(mac) + " " + to_string(dst)); !st) return st;
    fdb.erase({std::string(dev), mac, dst});
    return {};
  }
  Status replace_neighbour(std::string_view dev, Ipv4 ip, const MacAddr& mac) override {
    if (auto st = step("neigh " + to_string(ip)); !st) return st;
    neighbours[{std::string(dev), ip}] = mac;
    return {};
  }
  Status delete_neighbour(std::string_view dev, Ipv4 ip) override {
    if (auto st = step("delneigh " + to_string(ip)); !st) return st;
    neighbours.erase({std::string(dev), ip});
    return {};
  }

  std::vector<std::string> moved;

 private:
  Status step(std::string what) {
    int n = calls++;
    log.push_back(std::move(what));
    if (n == fail_at_call) return make_error("injected failure at call " + std::to_string(n));
    return {};
  }
};

}  // namespace shoal::testing
