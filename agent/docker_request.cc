#include "agent/docker_request.h"

#include <charconv>

#include <nlohmann/json.hpp>

namespace shoal {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return make_error("malformed %-escape in the request target");
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return make_error("malformed %-escape in the request target");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(plus_is_space && s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

bool is_version(std::string_view v) {
  auto dot = v.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == v.size()) return false;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (i != dot && (v[i] < '0' || v[i] > '9')) return false;
  return true;
}

}  // namespace

Result<DockerTarget> parse_docker_target(std::string_view target) {
  DockerTarget t;
  auto q = target.find('?');
  auto path = percent_decode(target.substr(0, q), false);
  if (!path) return path.error();
  t.path = *path;
  if (t.path.rfind("/v", 0) == 0) {
    auto slash = t.path.find('/', 1);
    std::string_view v = std::string_view(t.path).substr(2, (slash == std::string::npos ? t.path.size() : slash) - 2);
    if (is_version(v)) {
      t.version = std::string(v);
      t.path = slash == std::string::npos ? "/" : t.path.substr(slash);
    }
  }
  if (q == std::string_view::npos) return t;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!key) return key.error();
    if (!value) return value.error();
    t.query[*key] = *value;
  }
  return t;
}

std::vector<std::string> path_segments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    auto j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

Result<DockerFilters> parse_docker_filters(std::string_view text, const std::set<std::string>& allowed) {
  DockerFilters f;
  if (text.empty()) return f;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error("invalid filters: not a JSON object");
  for (const auto& [key, values] : j.items()) {
    if (!allowed.count(key)) return make_error("invalid filter '" + key + "'");
    auto& out = f[key];
    if (values.is_object()) {
      for (const auto& [v, on] : values.items())
        if (on.is_boolean() && on.get<bool>()) out.push_back(v);
    } else if (values.is_array()) {
      for (const auto& v : values) {
        if (!v.is_string()) return make_error("invalid filter '" + key + "': values must be strings");
        out.push_back(v.get<std::string>());
      }
    } else {
      return make_error("invalid filter '" + key + "'");
    }
  }
  return f;
}

bool filter_accepts(const DockerFilters& f, const std::string& key, const std::string& value, bool prefix) {
  auto it = f.find(key);
  if (it == f.end() || it->second.empty()) return true;
  for (const auto& want : it->second)
    if (want == value || (prefix && !want.empty() && value.rfind(want, 0) == 0)) return true;
  return false;
}

bool query_bool(const DockerTarget& t, const std::string& key) {
  auto it = t.query.find(key);
  if (it == t.query.end()) return false;
  const std::string& v = it->second;
  return !(v.empty() || v == "0" || v == "false" || v == "False" || v == "none");
}

}  // namespace shoal

namespace shoal {

Result<DockerListenAddress> parse_docker_api_address(const std::string& text) {
  const std::string unix_scheme = "unix://", tcp_scheme = "tcp://";
  DockerListenAddress a;
  if (text.rfind(unix_scheme, 0) == 0) {
    a.path = text.substr(unix_scheme.size());
    if (a.path.empty() || a.path[0] != '/')
      return make_error("--docker-api: '" + text + "' needs an absolute socket path (unix:///run/shoal/docker.sock)");
    return a;
  }
  if (text.rfind(tcp_scheme, 0) == 0) {
    std::string hp = text.substr(tcp_scheme.size());
    auto colon = hp.rfind(':');
    unsigned port = 0;
    if (colon == std::string::npos || colon == 0) return make_error("--docker-api: '" + text + "' is not tcp://IP:PORT");
    auto [p, ec] = std::from_chars(hp.data() + colon + 1, hp.data() + hp.size(), port);
    if (ec != std::errc() || p != hp.data() + hp.size() || port == 0 || port > 65535)
      return make_error("--docker-api: '" + text + "' is not tcp://IP:PORT");
    a.tcp = true;
    a.host = hp.substr(0, colon);
    a.port = static_cast<std::uint16_t>(port);
    return a;
  }
  return make_error("--docker-api: '" + text + "' is not unix:///PATH or tcp://IP:PORT");
}

}  // namespace shoal
