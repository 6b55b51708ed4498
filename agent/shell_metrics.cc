#include "agent/shell_metrics.h"

namespace shoal {

namespace {

// A verb word as the CLI spells them: lowercase letters and '-', short.
bool verb_word(std::string_view w) {
  if (w.empty() || w.size() > 24) return false;
  for (char c : w)
    if (!((c >= 'a' && c <= 'z') || c == '-')) return false;
  return true;
}

// Commands whose second word is a subcommand ("service create"); the rest take one word.
bool has_subcommand(std::string_view first) {
  return first == "service" || first == "node" || first == "image" || first == "keys" || first == "agent";
}

}  // namespace

std::string ApiVerbMetrics::verb_of(const std::vector<std::string>& argv) {
  if (argv.empty() || !verb_word(argv[0])) return "other";
  if (!has_subcommand(argv[0]) || argv.size() < 2) return argv[0];
  if (!verb_word(argv[1])) return "other";
  return argv[0] + " " + argv[1];
}

void ApiVerbMetrics::observe(const std::string& verb, double seconds, bool failed) {
  auto it = by_verb_.find(verb);
  if (it == by_verb_.end()) {
    const bool full = by_verb_.size() >= kMaxVerbs - 1;  // one place kept for "other"
    it = by_verb_.try_emplace(full ? std::string("other") : verb).first;
  }
  it->second.latency.observe(seconds);
  if (failed) ++it->second.failed;
}

}  // namespace shoal
