#include "agent/config_file.h"

#include <yaml-cpp/yaml.h>

#include <set>

namespace shoal {

namespace {

// Keys whose value is true/false: true gives the bare flag, false nothing.
const std::set<std::string> kSwitches = {"require-isolation"};

std::string where(const std::string& shown, const YAML::Mark& mark) {
  return shown + ":" + std::to_string(mark.line + 1);
}

Status append_key(std::vector<std::string>& out, const std::string& key, const YAML::Node& value,
                  const std::string& at) {
  const std::string flag = "--" + key;
  if (key.empty() || key[0] == '-' || key == "config" || key == "check-config")
    return make_error(at + ": '" + key + "' is not a config key (keys are the agent's flags without --)");
  if (kSwitches.count(key)) {
    bool on = false;
    if (!value.IsScalar() || !YAML::convert<bool>::decode(value, on))
      return make_error(at + ": " + key + " is true or false");
    if (on) out.push_back(flag);
    return {};
  }
  if (value.IsScalar()) {
    out.insert(out.end(), {flag, value.Scalar()});
    return {};
  }
  if (value.IsSequence()) {
    for (const auto& item : value) {
      if (!item.IsScalar()) return make_error(at + ": every item of " + key + " is one value");
      out.insert(out.end(), {flag, item.Scalar()});
    }
    return {};
  }
  if (value.IsMap() && key == "label") {
    for (const auto& kv : value) {
      if (!kv.first.IsScalar() || !kv.second.IsScalar())
        return make_error(at + ": label is a map of KEY: VALUE");
      out.insert(out.end(), {flag, kv.first.Scalar() + "=" + kv.second.Scalar()});
    }
    return {};
  }
  return make_error(at + ": " + key + " has no value" + (value.IsMap() ? " (a map is only for label)" : ""));
}

}  // namespace

Result<std::vector<std::string>> config_to_args(std::string_view yaml, const std::string& shown) {
  if (yaml.size() > kMaxConfigFileBytes)
    return make_error(shown + ": larger than " + std::to_string(kMaxConfigFileBytes) +
                      " bytes; an agent config is a short map of flags");
  std::vector<std::string> out;
  // yaml-cpp reports bad YAML with exceptions; they stop here, as a message with the line.
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (root.IsNull()) return out;
    if (!root.IsMap()) return make_error(where(shown, root.Mark()) + ": the file is a map of flag: value");
    for (const auto& kv : root) {
      if (!kv.first.IsScalar()) return make_error(where(shown, kv.first.Mark()) + ": a key is a flag name");
      if (auto s = append_key(out, kv.first.Scalar(), kv.second, where(shown, kv.first.Mark())); !s) return s.error();
    }
  } catch (const YAML::Exception& e) {
    return make_error(shown + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  return out;
}

std::vector<std::string> merge_config_args(const std::vector<std::string>& from_file,
                                           const std::vector<std::string>& flags) {
  std::set<std::string> overridden;
  for (const auto& f : flags)
    if (f.rfind("--", 0) == 0) overridden.insert(f);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < from_file.size(); ++i) {
    const std::string& flag = from_file[i];
    const bool has_value = !kSwitches.count(flag.substr(2));
    if (!overridden.count(flag)) {
      out.push_back(flag);
      if (has_value) out.push_back(from_file[i + 1]);
    }
    if (has_value) ++i;
  }
  out.insert(out.end(), flags.begin(), flags.end());
  return out;
}

}  // namespace shoal
