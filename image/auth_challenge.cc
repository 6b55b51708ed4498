#include "image/auth_challenge.h"

#include <cctype>

namespace shoal::image {
namespace {

// RFC 7230 tchar: the characters of a token (scheme, param name, unquoted value).
bool is_tchar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A cursor over the header; every method advances by at least one byte or fails, so parsing is
// linear in the (bounded) header length.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }
  void skip_ws() {
    while (!done() && (peek() == ' ' || peek() == '\t')) ++pos_;
  }
  void skip_ws_and_commas() {
    while (!done() && (peek() == ' ' || peek() == '\t' || peek() == ',')) ++pos_;
  }
  std::string_view token() {
    std::size_t start = pos_;
    while (!done() && is_tchar(peek())) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  // token68 (used by some schemes instead of params) also allows '/' and '='.
  std::string_view token68() {
    std::size_t start = pos_;
    while (!done() && (is_tchar(peek()) || peek() == '/' || peek() == '=')) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  Result<std::string> quoted() {
    ++pos_;  // opening quote
    std::string out;
    while (!done()) {
      char c = s_[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (done()) break;
        c = s_[pos_++];
      }
      out.push_back(c);
    }
    return make_error("unterminated quoted string");
  }
  std::size_t pos() const { return pos_; }
  void set_pos(std::size_t p) { pos_ = p; }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

// Parses `name = value` at the cursor. Returns nullopt (cursor restored) when the next item is
// not a param, i.e. it starts the next challenge ("Basic realm=..., Bearer realm=...").
Result<std::optional<std::pair<std::string, std::string>>> parse_param(Cursor& cur) {
  std::size_t start = cur.pos();
  std::string_view name = cur.token();
  if (name.empty()) return make_error("expected a parameter name");
  cur.skip_ws();
  if (cur.done() || cur.peek() != '=') {
    cur.set_pos(start);
    return std::optional<std::pair<std::string, std::string>>{};
  }
  cur.set_pos(cur.pos() + 1);
  cur.skip_ws();
  std::string value;
  if (!cur.done() && cur.peek() == '"') {
    auto q = cur.quoted();
    if (!q) return q.error();
    value = std::move(q.value());
  } else {
    value = std::string(cur.token());
    if (value.empty()) return make_error("parameter '" + std::string(name) + "' has no value");
  }
  return std::optional<std::pair<std::string, std::string>>{{lower(name), std::move(value)}};
}

}  // namespace

std::optional<std::string> AuthChallenge::param(const std::string& name) const {
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  return it->second;
}

Result<std::vector<AuthChallenge>> parse_auth_challenges(std::string_view header) {
  if (header.size() > kMaxChallengeHeaderBytes) {
    return make_error("WWW-Authenticate header is " + std::to_string(header.size()) +
                      " bytes (limit " + std::to_string(kMaxChallengeHeaderBytes) + ")");
  }
  std::vector<AuthChallenge> out;
  Cursor cur(header);
  cur.skip_ws_and_commas();
  while (!cur.done()) {
    std::string_view scheme = cur.token();
    if (scheme.empty()) return make_error("WWW-Authenticate: expected an auth scheme");
    AuthChallenge challenge{lower(scheme), {}};
    cur.skip_ws();
    // Params follow, comma separated, until the input ends or a new scheme starts.
    while (true) {
      cur.skip_ws_and_commas();
      if (cur.done()) break;
      std::size_t before = cur.pos();
      auto param = parse_param(cur);
      if (!param) return make_error("WWW-Authenticate: " + param.message());
      if (!param.value()) {
        // Either the next challenge's scheme or a token68 credential; a token68 is followed by
        // the end or a comma, a scheme by a space and its params.
        std::string_view t = cur.token68();
        cur.skip_ws();
        if (cur.done() || cur.peek() == ',') {
          if (!challenge.params.empty()) return make_error("WWW-Authenticate: token68 after params");
          challenge.params["token68"] = std::string(t);
          continue;
        }
        cur.set_pos(before);
        break;
      }
      if (challenge.params.size() >= kMaxChallengeParams) {
        return make_error("WWW-Authenticate: more than " + std::to_string(kMaxChallengeParams) +
                          " parameters");
      }
      challenge.params.insert_or_assign(std::move(param.value()->first),
                                        std::move(param.value()->second));
    }
    out.push_back(std::move(challenge));
  }
  if (out.empty()) return make_error("WWW-Authenticate header is empty");
  return out;
}

std::optional<AuthChallenge> find_challenge(const std::vector<AuthChallenge>& challenges,
                                            std::string_view scheme) {
  for (const auto& c : challenges) {
    if (c.scheme == scheme) return c;
  }
  return std::nullopt;
}

}  // namespace shoal::image
