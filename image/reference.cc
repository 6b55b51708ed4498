#include "image/reference.h"

#include <arpa/inet.h>

#include <vector>

namespace shoal::image {
namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_alnum(char c) { return is_lower_alnum(c) || is_upper(c); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word(char c) { return is_alnum(c) || c == '_'; }

// The input as it may be quoted in an error: control bytes replaced, length capped.
std::string quoted(std::string_view text) {
  constexpr std::size_t kShown = 100;
  std::string out = "'";
  for (char c : text.substr(0, kShown)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > kShown) out += "...";
  return out + "'";
}

Error ref_error(std::string_view text, const std::string& why) {
  return make_error("image reference " + quoted(text) + ": " + why);
}

// Docker's path component: runs of [a-z0-9] joined by one separator each, where a separator
// is '.', '_', '__' or one or more '-'. Returns an empty string when valid, else why not.
std::string check_path_component(std::string_view c) {
  if (c.empty()) return "a path component is empty (doubled, leading or trailing '/')";
  bool lower_ok = true;
  bool has_upper = false;
  for (char ch : c) {
    if (is_upper(ch)) has_upper = true;
    if (!is_alnum(ch) && ch != '.' && ch != '_' && ch != '-') lower_ok = false;
  }
  if (!lower_ok) {
    return "path component " + quoted(c) + " may hold only a-z, 0-9, '.', '_' and '-'";
  }
  if (!is_alnum(c.front()) || !is_alnum(c.back())) {
    return "path component " + quoted(c) + " must start and end with a letter or digit";
  }
  for (std::size_t i = 0; i < c.size();) {
    if (is_alnum(c[i])) { ++i; continue; }
    std::size_t j = i;
    while (j < c.size() && !is_alnum(c[j])) ++j;
    const std::string_view sep = c.substr(i, j - i);
    const bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (sep != "." && sep != "_" && sep != "__" && !dashes) {
      return "path component " + quoted(c) + " has the separator " + quoted(sep) +
             " (allowed between letters/digits: '.', '_', '__', or dashes)";
    }
    i = j;
  }
  if (has_upper) return "repository name must be lowercase (" + quoted(c) + ")";
  return {};
}

// A DNS label as Docker's domain grammar allows it: [A-Za-z0-9] or that with inner dashes.
bool valid_label(std::string_view label) {
  if (label.empty() || !is_alnum(label.front()) || !is_alnum(label.back())) return false;
  for (char c : label) {
    if (!is_alnum(c) && c != '-') return false;
  }
  return true;
}

Status check_port(std::string_view registry, std::string_view port) {
  if (port.empty() || port.size() > 5) {
    return make_error("registry " + quoted(registry) + ": port must be 1-65535");
  }
  unsigned value = 0;
  for (char c : port) {
    if (!is_digit(c)) return make_error("registry " + quoted(registry) + ": port must be digits");
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) {
    return make_error("registry " + quoted(registry) + ": port must be 1-65535");
  }
  return {};
}

Status check_ipv6_host(std::string_view registry, std::string_view inner) {
  // inet_pton is pure parsing (no I/O); it rejects ':::', '1::2::3', 5-digit groups, bad IPv4
  // tails. Zones (%eth0) are rejected too: they are local to one host's interfaces.
  in6_addr addr{};
  const std::string host(inner);
  if (inner.empty() || inner.size() > 45 || inet_pton(AF_INET6, host.c_str(), &addr) != 1) {
    return make_error("registry " + quoted(registry) + ": " + quoted(inner) +
                      " is not an IPv6 address");
  }
  return {};
}

// True if Docker would read `component` (the first of a name with more than one) as a host.
// Docker's rule plus '[': a bracket can only open an IPv6 host, so say that when it is wrong.
bool looks_like_registry(std::string_view component) {
  if (component == "localhost" || component.starts_with('[')) return true;
  for (char c : component) {
    if (c == '.' || c == ':' || is_upper(c)) return true;
  }
  return false;
}

bool is_64_hex(std::string_view text) {
  if (text.size() != Digest::kHexLength) return false;
  for (char c : text) {
    if (!is_digit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

Status check_tag(std::string_view text, std::string_view tag) {
  if (tag.empty()) return ref_error(text, "':' is not followed by a tag");
  if (tag.size() > kMaxTagLength) {
    return ref_error(text, "tag is " + std::to_string(tag.size()) + " characters; at most " +
                               std::to_string(kMaxTagLength));
  }
  if (!is_word(tag.front())) {
    return ref_error(text, "tag " + quoted(tag) + " must start with a letter, digit or '_'");
  }
  for (char c : tag) {
    if (!is_word(c) && c != '.' && c != '-') {
      return ref_error(text, "tag " + quoted(tag) + " may hold only letters, digits, '_', '.' and '-'");
    }
  }
  return {};
}

// The default registry goes into stored canonical strings that other nodes re-parse with their
// own default, so it must read as a host there too.
Status check_default_registry(std::string_view registry) {
  if (auto st = validate_registry(registry); !st) return st;
  if (!looks_like_registry(registry)) {
    return make_error("default registry " + quoted(registry) +
                      " would be read as a repository path; name it with a domain or a port "
                      "(e.g. " + std::string(registry) + ":5000)");
  }
  return {};
}

}  // namespace

Status validate_registry(std::string_view registry) {
  if (registry.empty()) return make_error("registry is empty");
  if (registry.size() > kMaxNameLength) return make_error("registry " + quoted(registry) + " is too long");
  std::string_view host = registry;
  std::string_view port;
  bool has_port = false;
  if (registry.front() == '[') {
    const auto close = registry.find(']');
    if (close == std::string_view::npos) {
      return make_error("registry " + quoted(registry) + ": '[' without ']'");
    }
    if (auto st = check_ipv6_host(registry, registry.substr(1, close - 1)); !st) return st;
    const std::string_view rest = registry.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return make_error("registry " + quoted(registry) + ": only ':PORT' may follow ']'");
      }
      has_port = true;
      port = rest.substr(1);
    }
  } else {
    const auto colon = registry.find(':');
    if (colon != std::string_view::npos) {
      has_port = true;
      host = registry.substr(0, colon);
      port = registry.substr(colon + 1);
    }
    for (std::string_view label : split(host, '.')) {
      if (!valid_label(label)) {
        return make_error("registry " + quoted(registry) + ": host label " + quoted(label) +
                          " must be letters, digits and inner '-'");
      }
    }
  }
  if (has_port) return check_port(registry, port);
  return {};
}

Result<Reference> parse_reference(std::string_view text, std::string_view default_registry) {
  if (text.empty()) return ref_error(text, "empty; write e.g. registry:5000/team/app:1.0");
  if (text.size() > kMaxReferenceLength) {
    return ref_error(text, "longer than " + std::to_string(kMaxReferenceLength) + " characters");
  }
  Reference ref;
  std::string_view rest = text;
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    auto digest = Digest::parse(rest.substr(at + 1));
    if (!digest) return ref_error(text, digest.message());
    ref.digest = *digest;
    rest = rest.substr(0, at);
  }
  const auto colon = rest.rfind(':');
  const auto slash = rest.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    if (auto st = check_tag(text, rest.substr(colon + 1)); !st) return st.error();
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return ref_error(text, "no repository name before ':' or '@'");
  if (is_64_hex(text)) {
    return ref_error(text, "a 64-character hex string is an image id, not a repository name");
  }

  std::vector<std::string_view> parts = split(rest, '/');
  if (parts.size() > 1 && looks_like_registry(parts.front())) {
    if (auto st = validate_registry(parts.front()); !st) return ref_error(text, st.message());
    ref.registry = std::string(parts.front());
    parts.erase(parts.begin());
  } else if (default_registry.empty()) {
    return ref_error(text, "names no registry and none is configured; write it as "
                           "HOST[:PORT]/" + std::string(rest) + " or start the agent with "
                           "--registry-mirror HOST[:PORT]");
  } else {
    if (auto st = check_default_registry(default_registry); !st) return st.error();
    ref.registry = std::string(default_registry);
  }
  if (ref.registry == "index.docker.io") ref.registry = kDockerHubRegistry;

  for (std::string_view part : parts) {
    if (auto why = check_path_component(part); !why.empty()) return ref_error(text, why);
  }
  if (ref.registry == kDockerHubRegistry && parts.size() == 1) ref.path = "library/";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) ref.path += '/';
    ref.path += parts[i];
  }
  if (const std::size_t length = ref.name().size(); length > kMaxNameLength) {
    return ref_error(text, "repository name " + std::to_string(length) +
                               " characters long with its registry; at most " +
                               std::to_string(kMaxNameLength));
  }
  if (ref.tag.empty() && !ref.digest) ref.tag = kDefaultTag;
  return ref;
}

std::string Reference::canonical_string() const {
  std::string out = name();
  if (!tag.empty()) out += ":" + tag;
  if (digest) out += "@" + digest->to_string();
  return out;
}

std::string Reference::familiar_string(std::string_view default_registry) const {
  std::string out;
  // Leaving the registry out is safe only if the path cannot itself be read as one: a path
  // "foo.com/app" on the default registry stays "REGISTRY/foo.com/app".
  const std::string_view first = std::string_view(path).substr(0, path.find('/'));
  const bool ambiguous = path.find('/') != std::string::npos && looks_like_registry(first);
  if (registry == default_registry && !ambiguous) {
    out = path;
    constexpr std::string_view kLibrary = "library/";
    const bool official = registry == kDockerHubRegistry && path.starts_with(kLibrary) &&
                          path.find('/', kLibrary.size()) == std::string::npos;
    if (official) out = path.substr(kLibrary.size());
  } else {
    out = name();
  }
  if (!tag.empty()) out += ":" + tag;
  if (digest) out += "@" + digest->to_string();
  return out;
}

Reference Reference::with_digest(const Digest& d) const {
  Reference pinned = *this;
  pinned.digest = d;
  return pinned;
}

}  // namespace shoal::image
