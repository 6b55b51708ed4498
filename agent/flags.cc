#include "agent/flags.h"

namespace shoal {

std::string ParsedFlags::get(const std::string& flag, const std::string& fallback) const {
  auto it = values.find(flag);
  return it == values.end() || it->second.empty() ? fallback : it->second.back();
}

const std::vector<std::string>& ParsedFlags::all(const std::string& flag) const {
  static const std::vector<std::string> kNone;
  auto it = values.find(flag);
  return it == values.end() ? kNone : it->second;
}

Result<ParsedFlags> parse_flags(const std::string& command, const std::vector<std::string>& args,
                                const FlagSpec& spec) {
  ParsedFlags out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      out.has_dashdash = true;
      out.after_dashdash.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (a.size() < 2 || a[0] != '-' || a[1] != '-') {
      if (spec.stop_at_positional) {
        out.positional.assign(args.begin() + static_cast<long>(i), args.end());
        break;
      }
      out.positional.push_back(a);
      continue;
    }
    std::string name = a, value;
    bool inline_value = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      inline_value = true;
    }
    if (spec.switches.count(name)) {
      if (inline_value) return make_error(command + ": " + name + " takes no value");
      out.switches.insert(name);
    } else if (spec.with_value.count(name)) {
      if (!inline_value) {
        if (i + 1 >= args.size()) return make_error(command + ": " + name + " needs a value");
        value = args[++i];
      }
      out.values[name].push_back(value);
    } else {
      return make_error(command + ": unknown flag '" + name + "'");
    }
  }
  return out;
}

}  // namespace shoal
