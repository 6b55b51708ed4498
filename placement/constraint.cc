#include "placement/constraint.h"

namespace shoal::placement {
namespace {

constexpr std::string_view kPrefix = "node.labels.";

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

Result<Constraint> parse_constraint(std::string_view text) {
  Constraint c;
  std::size_t at = text.find("==");
  c.op = ConstraintOp::kEq;
  if (std::size_t ne = text.find("!="); ne != std::string_view::npos && (at == std::string_view::npos || ne < at)) {
    at = ne;
    c.op = ConstraintOp::kNe;
  }
  if (at == std::string_view::npos)
    return make_error("constraint '" + std::string(text) +
                      "' has no == or !=; write e.g. node.labels.zone==b");
  std::string_view lhs = trim(text.substr(0, at));
  std::string_view rhs = trim(text.substr(at + 2));
  if (lhs.substr(0, kPrefix.size()) != kPrefix || lhs.size() == kPrefix.size())
    return make_error("constraint '" + std::string(text) +
                      "' must name a label as node.labels.KEY");
  if (rhs.find("==") != std::string_view::npos || rhs.find("!=") != std::string_view::npos)
    return make_error("constraint '" + std::string(text) + "' has more than one operator");
  c.key = std::string(lhs.substr(kPrefix.size()));
  c.value = std::string(rhs);
  return c;
}

bool satisfies(const std::map<std::string, std::string>& labels, const Constraint& c) {
  auto it = labels.find(c.key);
  bool equal = it != labels.end() && it->second == c.value;
  return c.op == ConstraintOp::kEq ? equal : !equal;
}

bool satisfies_all(const std::map<std::string, std::string>& labels,
                   const std::vector<Constraint>& constraints) {
  for (const Constraint& c : constraints)
    if (!satisfies(labels, c)) return false;
  return true;
}

std::string describe(const Constraint& c) {
  return std::string(kPrefix) + c.key + (c.op == ConstraintOp::kEq ? "==" : "!=") + c.value;
}

}  // namespace shoal::placement
