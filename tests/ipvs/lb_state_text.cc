#include "tests/ipvs/lb_state_text.h"

#include <charconv>
#include <vector>

namespace shoal {

namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  while (true) {
    auto at = text.find(sep);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  for (auto w : split(text, ' ')) {
    if (!w.empty()) out.push_back(w);
  }
  return out;
}

Result<std::uint16_t> parse_port(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535)
    return make_error("'" + std::string(whole) + "': the port must be 1..65535");
  return static_cast<std::uint16_t>(value);
}

// "IP:PORT" -> (ip, port)
Result<Backend> parse_endpoint(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return make_error("'" + std::string(text) + "' is not IP:PORT");
  auto ip = parse_ipv4(text.substr(0, colon));
  if (!ip) return make_error("'" + std::string(text) + "': " + ip.message());
  auto port = parse_port(text.substr(colon + 1), text);
  if (!port) return port.error();
  return Backend{*ip, *port};
}

Result<ServiceKey> parse_service_key(std::string_view text) {
  Protocol protocol = Protocol::kTcp;
  auto slash = text.find('/');
  if (slash != std::string_view::npos) {
    auto name = text.substr(slash + 1);
    if (name == "udp") {
      protocol = Protocol::kUdp;
    } else if (name != "tcp") {
      return make_error("'" + std::string(text) + "': the protocol must be tcp or udp");
    }
    text = text.substr(0, slash);
  }
  auto endpoint = parse_endpoint(text);
  if (!endpoint) return endpoint.error();
  return ServiceKey{endpoint->ip, protocol, endpoint->port};
}

}  // namespace

Result<LbState> parse_lb_state(std::string_view line) {
  LbState state;
  auto all = words(line);
  if (all.empty() || (all.size() == 1 && all[0] == "-")) return state;
  for (auto service_text : split(line, ';')) {
    auto parts = words(service_text);
    if (parts.empty()) return make_error("an empty service between ';'");
    auto key = parse_service_key(parts[0]);
    if (!key) return key.error();
    if (state.count(*key) != 0) return make_error("service " + to_string(*key) + " twice");
    auto& backends = state[*key];
    for (std::size_t i = 1; i < parts.size(); ++i) {
      auto backend = parse_endpoint(parts[i]);
      if (!backend) return backend.error();
      backends.insert(*backend);
    }
  }
  return state;
}

std::string format_lb_state(const LbState& state) {
  if (state.empty()) return "-";
  std::string out;
  for (const auto& [key, backends] : state) {
    if (!out.empty()) out += "; ";
    out += to_string(key);
    for (const auto& backend : backends) out += " " + to_string(backend);
  }
  return out;
}

}  // namespace shoal
