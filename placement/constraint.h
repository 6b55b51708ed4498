// Label constraints: `node.labels.KEY==VALUE` / `!=`. Parsing (for the CLI and the agent's
// spec validation), evaluation against a node's labels, and the text used in reasons.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "placement/inputs.h"

namespace shoal::placement {

// Parses "node.labels.zone==b" or "node.labels.disk!=hdd" (spaces around the operator allowed).
Result<Constraint> parse_constraint(std::string_view text);

bool satisfies(const std::map<std::string, std::string>& labels, const Constraint& c);
bool satisfies_all(const std::map<std::string, std::string>& labels,
                   const std::vector<Constraint>& constraints);

// "node.labels.zone==b": the same text parse_constraint accepts.
std::string describe(const Constraint& c);

}  // namespace shoal::placement
