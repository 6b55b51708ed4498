#include "stack/compose.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "common/shell_words.h"

namespace shoal::stack {

namespace {

// One service being translated: where errors point, what it found, what it ignored.
class Translator {
 public:
  Translator(const Variables& vars, std::string shown, std::set<std::string>* ignored)
      : vars_(vars), shown_(std::move(shown)), ignored_(ignored) {}

  Result<std::vector<std::string>> service(const std::string& key, const YAML::Node& node);

 private:
  Status keys_of(const std::string& path, const YAML::Node& map,
                 const std::map<std::string, Status (Translator::*)(const std::string&, const YAML::Node&)>& known);
  Status image(const std::string& path, const YAML::Node& v);
  Status command(const std::string& path, const YAML::Node& v);
  Status entrypoint(const std::string& path, const YAML::Node& v);
  Status environment(const std::string& path, const YAML::Node& v);
  Status ports(const std::string& path, const YAML::Node& v);
  Status user(const std::string& path, const YAML::Node& v) { return flag_of("--user", path, v); }
  Status working_dir(const std::string& path, const YAML::Node& v) { return flag_of("--workdir", path, v); }
  Status healthcheck(const std::string& path, const YAML::Node& v);
  Status deploy(const std::string& path, const YAML::Node& v);
  Status placement(const std::string& path, const YAML::Node& v);
  Status resources(const std::string& path, const YAML::Node& v);
  Status restart_policy(const std::string& path, const YAML::Node& v);
  Status update_config(const std::string& path, const YAML::Node& v) { return rollout("--update", path, v); }
  Status rollback_config(const std::string& path, const YAML::Node& v) { return rollout("--rollback", path, v); }
  Status rollout(const std::string& prefix, const std::string& path, const YAML::Node& v);
  Status deploy_labels(const std::string& path, const YAML::Node& v);
  Status shoal_extension(const std::string& path, const YAML::Node& v);

  Result<std::string> scalar(const std::string& path, const YAML::Node& v);
  Result<std::vector<std::string>> list_or_map(const std::string& path, const YAML::Node& v, bool allow_bare);
  Status flag_of(const std::string& flag, const std::string& path, const YAML::Node& v);
  Status error(const std::string& path, const YAML::Node& v, const std::string& why) const {
    return make_error(shown_ + ":" + std::to_string(v.Mark().line + 1) + ": " + path + ": " + why);
  }

  const Variables& vars_;
  std::string shown_;
  std::set<std::string>* ignored_;
  std::vector<std::string> flags_;
  std::string image_;
  std::vector<std::string> command_;
  bool has_command_ = false;
};

Result<std::string> Translator::scalar(const std::string& path, const YAML::Node& v) {
  if (!v.IsScalar()) return make_error(shown_ + ":" + std::to_string(v.Mark().line + 1) + ": " + path + ": expected one value");
  auto text = interpolate(v.Scalar(), vars_);
  if (!text) return make_error(shown_ + ":" + std::to_string(v.Mark().line + 1) + ": " + path + ": " + text.message());
  return text;
}

Status Translator::flag_of(const std::string& flag, const std::string& path, const YAML::Node& v) {
  auto text = scalar(path, v);
  if (!text) return text.error();
  flags_.insert(flags_.end(), {flag, *text});
  return {};
}

// ["A=1", "B"] or {A: 1, B: null}: "K=V" items; a bare "K" (allowed for environment) takes
// the variable's value, or is left out when unset, as compose does.
Result<std::vector<std::string>> Translator::list_or_map(const std::string& path, const YAML::Node& v,
                                                         bool allow_bare) {
  std::vector<std::string> out;
  if (v.IsSequence()) {
    for (const auto& item : v) {
      auto text = scalar(path, item);
      if (!text) return text.error();
      if (text->find('=') != std::string::npos || !allow_bare) {
        out.push_back(*text);
      } else if (auto it = vars_.find(*text); it != vars_.end()) {
        out.push_back(*text + "=" + it->second);
      }
    }
    return out;
  }
  if (v.IsMap()) {
    for (const auto& kv : v) {
      const std::string key = kv.first.as<std::string>();
      if (kv.second.IsNull()) {
        if (auto it = vars_.find(key); allow_bare && it != vars_.end()) out.push_back(key + "=" + it->second);
        else if (!allow_bare) out.push_back(key);
        continue;
      }
      auto text = scalar(path + "." + key, kv.second);
      if (!text) return text.error();
      out.push_back(key + "=" + *text);
    }
    return out;
  }
  return make_error(shown_ + ":" + std::to_string(v.Mark().line + 1) + ": " + path + ": expected a list or a map");
}

Status Translator::keys_of(
    const std::string& path, const YAML::Node& map,
    const std::map<std::string, Status (Translator::*)(const std::string&, const YAML::Node&)>& known) {
  if (!map.IsMap()) return error(path, map, "expected a map");
  for (const auto& kv : map) {
    const std::string key = kv.first.as<std::string>();
    auto it = known.find(key);
    if (key.rfind("x-", 0) == 0 && it == known.end()) continue;  // extension fields are the user's
    if (it == known.end()) {
      ignored_->insert(path + "." + key);
      continue;
    }
    if (auto s = (this->*(it->second))(path + "." + key, kv.second); !s) return s;
  }
  return {};
}

Status Translator::image(const std::string& path, const YAML::Node& v) {
  auto text = scalar(path, v);
  if (!text) return text.error();
  image_ = *text;
  return {};
}

Status Translator::command(const std::string& path, const YAML::Node& v) {
  has_command_ = true;
  if (v.IsSequence()) {
    for (const auto& w : v) {
      auto text = scalar(path, w);
      if (!text) return text.error();
      command_.push_back(*text);
    }
    return {};
  }
  auto text = scalar(path, v);
  if (!text) return text.error();
  auto words = split_words(path, *text);
  if (!words) return words.error();
  command_ = *words;
  return {};
}

Status Translator::entrypoint(const std::string& path, const YAML::Node& v) {
  std::vector<std::string> words;
  if (v.IsSequence()) {
    for (const auto& w : v) {
      auto text = scalar(path, w);
      if (!text) return text.error();
      words.push_back(*text);
    }
  } else {
    auto text = scalar(path, v);
    if (!text) return text.error();
    auto split = split_words(path, *text);
    if (!split) return split.error();
    words = *split;
  }
  auto joined = join_words(words);
  if (!joined) return error(path, v, joined.message());
  flags_.insert(flags_.end(), {"--entrypoint", *joined});
  return {};
}

Status Translator::environment(const std::string& path, const YAML::Node& v) {
  auto items = list_or_map(path, v, true);
  if (!items) return items.error();
  for (const auto& e : *items) flags_.insert(flags_.end(), {"--env", e});
  return {};
}

// Short syntax "PUBLISHED:TARGET[/PROTO]" or long {target, published, protocol, mode}.
Status Translator::ports(const std::string& path, const YAML::Node& v) {
  if (!v.IsSequence()) return error(path, v, "expected a list");
  for (const auto& p : v) {
    std::string spec;
    if (p.IsMap()) {
      std::map<std::string, std::string> f;
      for (const auto& kv : p) {
        const std::string key = kv.first.as<std::string>();
        auto text = scalar(path + "." + key, kv.second);
        if (!text) return text.error();
        f[key] = *text;
      }
      for (const auto& [k, _] : f)
        if (k != "target" && k != "published" && k != "protocol" && k != "mode") ignored_->insert(path + "." + k);
      if (f.count("mode") && f["mode"] != "ingress") ignored_->insert(path + ".mode: " + f["mode"] + " (shoal publishes on the routing mesh)");
      if (!f.count("target") || !f.count("published"))
        return error(path, p, "give target and published (shoal does not pick published ports)");
      spec = f["published"] + ":" + f["target"] + (f.count("protocol") ? "/" + f["protocol"] : "");
    } else {
      auto text = scalar(path, p);
      if (!text) return text.error();
      const auto colons = std::count(text->begin(), text->end(), ':');
      if (colons != 1) return error(path, p, "'" + *text + "': give PUBLISHED:TARGET[/udp] (no host IP, no range)");
      spec = *text;
    }
    flags_.insert(flags_.end(), {"--publish", spec});
  }
  return {};
}

Status Translator::healthcheck(const std::string& path, const YAML::Node& v) {
  if (!v.IsMap()) return error(path, v, "expected a map");
  for (const auto& kv : v) {
    const std::string key = kv.first.as<std::string>();
    const std::string at = path + "." + key;
    if (key == "test") {
      std::vector<std::string> test;
      if (kv.second.IsSequence()) {
        for (const auto& w : kv.second) {
          auto text = scalar(at, w);
          if (!text) return text.error();
          test.push_back(*text);
        }
      } else {
        auto text = scalar(at, kv.second);
        if (!text) return text.error();
        test = {"CMD-SHELL", *text};
      }
      if (test.empty()) return error(at, kv.second, "empty");
      if (test[0] == "NONE") {
        flags_.push_back("--no-healthcheck");
      } else if (test[0] == "CMD-SHELL" && test.size() == 2) {
        flags_.insert(flags_.end(), {"--health-cmd", test[1]});
      } else if (test[0] == "CMD" && test.size() > 1) {
        auto joined = join_words({test.begin() + 1, test.end()});
        if (!joined) return error(at, kv.second, joined.message());
        flags_.insert(flags_.end(), {"--health-cmd", *joined});
      } else {
        return error(at, kv.second, "give [\"CMD-SHELL\", \"command\"], [\"CMD\", \"arg\", ...] or [\"NONE\"]");
      }
    } else if (key == "disable") {
      auto text = scalar(at, kv.second);
      if (!text) return text.error();
      if (*text == "true") flags_.push_back("--no-healthcheck");
    } else if (key == "interval" || key == "timeout" || key == "retries" || key == "start_period") {
      const std::string flag = key == "start_period" ? "--health-start-period" : "--health-" + key;
      if (auto s = flag_of(flag, at, kv.second); !s) return s;
    } else if (key.rfind("x-", 0) != 0) {
      ignored_->insert(at);
    }
  }
  return {};
}

Status Translator::deploy(const std::string& path, const YAML::Node& v) {
  static const std::map<std::string, Status (Translator::*)(const std::string&, const YAML::Node&)> known = {
      {"mode", nullptr}, {"replicas", nullptr}, {"placement", &Translator::placement},
      {"resources", &Translator::resources}, {"restart_policy", &Translator::restart_policy},
      {"update_config", &Translator::update_config}, {"rollback_config", &Translator::rollback_config},
      {"labels", &Translator::deploy_labels}, {"endpoint_mode", nullptr}};
  if (!v.IsMap()) return error(path, v, "expected a map");
  for (const auto& kv : v) {
    const std::string key = kv.first.as<std::string>();
    const std::string at = path + "." + key;
    if (key == "mode") {
      if (auto s = flag_of("--mode", at, kv.second); !s) return s;
    } else if (key == "replicas") {
      if (auto s = flag_of("--replicas", at, kv.second); !s) return s;
    } else if (key == "endpoint_mode") {
      auto text = scalar(at, kv.second);
      if (!text) return text.error();
      if (*text != "vip") ignored_->insert(at + ": " + *text + " (shoal gives every service a VIP)");
    } else if (auto it = known.find(key); it != known.end()) {
      if (auto s = (this->*(it->second))(at, kv.second); !s) return s;
    } else if (key.rfind("x-", 0) != 0) {
      ignored_->insert(at);
    }
  }
  return {};
}

Status Translator::placement(const std::string& path, const YAML::Node& v) {
  if (!v.IsMap()) return error(path, v, "expected a map");
  for (const auto& kv : v) {
    const std::string key = kv.first.as<std::string>();
    const std::string at = path + "." + key;
    if (key == "constraints") {
      if (!kv.second.IsSequence()) return error(at, kv.second, "expected a list");
      for (const auto& c : kv.second)
        if (auto s = flag_of("--constraint", at, c); !s) return s;
    } else if (key == "preferences") {
      if (!kv.second.IsSequence()) return error(at, kv.second, "expected a list");
      for (const auto& p : kv.second) {
        if (!p.IsMap() || !p["spread"]) return error(at, p, "give - spread: node.labels.KEY");
        if (auto s = flag_of("--spread", at + ".spread", p["spread"]); !s) return s;
      }
    } else {
      ignored_->insert(at);
    }
  }
  return {};
}

Status Translator::resources(const std::string& path, const YAML::Node& v) {
  if (!v.IsMap()) return error(path, v, "expected a map");
  for (const auto& kv : v) {
    const std::string key = kv.first.as<std::string>();
    const std::string at = path + "." + key;
    if (key != "reservations") {
      ignored_->insert(at + (key == "limits" ? " (shoal reserves, it does not limit)" : ""));
      continue;
    }
    if (!kv.second.IsMap()) return error(at, kv.second, "expected a map");
    for (const auto& r : kv.second) {
      const std::string what = r.first.as<std::string>();
      if (what == "cpus") {
        if (auto s = flag_of("--cpu", at + ".cpus", r.second); !s) return s;
      } else if (what == "memory") {
        if (auto s = flag_of("--memory", at + ".memory", r.second); !s) return s;
      } else {
        ignored_->insert(at + "." + what);
      }
    }
  }
  return {};
}

Status Translator::restart_policy(const std::string& path, const YAML::Node& v) {
  if (!v.IsMap()) return error(path, v, "expected a map");
  for (const auto& kv : v) {
    const std::string key = kv.first.as<std::string>();
    const std::string at = path + "." + key;
    if (key == "condition") {
      if (auto s = flag_of("--restart-condition", at, kv.second); !s) return s;
    } else if (key == "delay" || key == "window") {
      if (auto s = flag_of("--restart-" + key, at, kv.second); !s) return s;
    } else if (key == "max_attempts") {
      if (auto s = flag_of("--restart-max-attempts", at, kv.second); !s) return s;
    } else {
      ignored_->insert(at);
    }
  }
  return {};
}

Status Translator::rollout(const std::string& prefix, const std::string& path, const YAML::Node& v) {
  if (!v.IsMap()) return error(path, v, "expected a map");
  for (const auto& kv : v) {
    std::string key = kv.first.as<std::string>();
    const std::string at = path + "." + key;
    if (key == "parallelism" || key == "delay" || key == "monitor" || key == "order" || key == "failure_action" ||
        key == "max_failure_ratio") {
      for (char& c : key)
        if (c == '_') c = '-';
      if (auto s = flag_of(prefix + "-" + key, at, kv.second); !s) return s;
    } else {
      ignored_->insert(at);
    }
  }
  return {};
}

Status Translator::deploy_labels(const std::string& path, const YAML::Node& v) {
  auto items = list_or_map(path, v, false);
  if (!items) return items.error();
  for (const auto& l : *items) flags_.insert(flags_.end(), {"--label", l});
  return {};
}

// `x-shoal:` under a service: what only shoal has (keys are the CLI flags' names with _).
Status Translator::shoal_extension(const std::string& path, const YAML::Node& v) {
  if (!v.IsMap()) return error(path, v, "expected a map");
  for (const auto& kv : v) {
    const std::string key = kv.first.as<std::string>();
    const std::string at = path + "." + key;
    if (key == "on_partition") {
      if (auto s = flag_of("--on-partition", at, kv.second); !s) return s;
    } else if (key == "isolation_timeout") {
      if (auto s = flag_of("--isolation-timeout", at, kv.second); !s) return s;
    } else {
      return error(at, kv.second, "not a shoal setting (on_partition, isolation_timeout)");
    }
  }
  return {};
}

Result<std::vector<std::string>> Translator::service(const std::string& key, const YAML::Node& node) {
  const std::string path = "services." + key;
  static const std::map<std::string, Status (Translator::*)(const std::string&, const YAML::Node&)> known = {
      {"image", &Translator::image},         {"command", &Translator::command},
      {"entrypoint", &Translator::entrypoint}, {"environment", &Translator::environment},
      {"ports", &Translator::ports},         {"user", &Translator::user},
      {"working_dir", &Translator::working_dir}, {"healthcheck", &Translator::healthcheck},
      {"deploy", &Translator::deploy},       {"x-shoal", &Translator::shoal_extension}};
  if (node.IsNull()) return error(path, node, "give at least an image").error();
  if (auto s = keys_of(path, node, known); !s) return s.error();
  if (image_.empty()) return error(path, node, "give an image (shoal runs images; it does not build them)").error();
  std::vector<std::string> args = std::move(flags_);
  args.insert(args.end(), image_);
  if (has_command_ && command_.empty()) return error(path + ".command", node, "empty").error();
  args.insert(args.end(), command_.begin(), command_.end());
  return args;
}

}  // namespace

Result<std::string> interpolate(std::string_view text, const Variables& vars) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {  // $$: a literal $
      out += '$';
      ++i;
      continue;
    }
    std::string name, op, arg;
    if (i + 1 < text.size() && text[i + 1] == '{') {
      // The matching brace: a default may hold a ${...} of its own.
      std::size_t close = i + 2;
      for (int depth = 1; close < text.size(); ++close) {
        if (text[close] == '{') ++depth;
        else if (text[close] == '}' && --depth == 0) break;
      }
      if (close >= text.size()) return make_error("unterminated ${ in '" + std::string(text) + "'");
      std::string_view body = text.substr(i + 2, close - i - 2);
      std::size_t n = 0;
      while (n < body.size() && (std::isalnum(static_cast<unsigned char>(body[n])) || body[n] == '_')) ++n;
      name = std::string(body.substr(0, n));
      std::string_view rest = body.substr(n);
      for (const char* candidate : {":-", ":?", "-", "?"}) {
        if (rest.rfind(candidate, 0) == 0) {
          op = candidate;
          arg = std::string(rest.substr(op.size()));
          break;
        }
      }
      if (name.empty() || (op.empty() && !rest.empty()))
        return make_error("'${" + std::string(body) + "}' is not ${VAR}, ${VAR:-default} or ${VAR:?error}");
      i = close;
    } else {
      std::size_t n = i + 1;
      while (n < text.size() && (std::isalnum(static_cast<unsigned char>(text[n])) || text[n] == '_')) ++n;
      name = std::string(text.substr(i + 1, n - i - 1));
      if (name.empty()) {
        out += '$';
        continue;
      }
      i = n - 1;
    }
    auto it = vars.find(name);
    const bool set = it != vars.end();
    const bool empty = !set || it->second.empty();
    if ((op == ":-" && empty) || (op == "-" && !set)) {
      auto nested = interpolate(arg, vars);
      if (!nested) return nested.error();
      out += *nested;
    } else if ((op == ":?" && empty) || (op == "?" && !set)) {
      return make_error("variable " + name + " is required" + (arg.empty() ? "" : ": " + arg));
    } else if (set) {
      out += it->second;
    }
  }
  return out;
}

Variables parse_env_file(std::string_view text) {
  Variables vars;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    start = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    vars[line.substr(0, eq)] = value;
  }
  return vars;
}

Result<ComposeStack> parse_compose(std::string_view yaml, const std::string& stack, const Variables& vars,
                                   const std::string& shown) {
  if (yaml.size() > kMaxComposeFileBytes)
    return make_error(shown + ": larger than " + std::to_string(kMaxComposeFileBytes) + " bytes");
  ComposeStack out;
  std::set<std::string> ignored;
  // yaml-cpp reports bad YAML (and wrong node types in as<>) with exceptions; they stop here.
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap()) return make_error(shown + ": a compose file is a map with services:");
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      if (key == "services" || key == "version" || key == "name" || key.rfind("x-", 0) == 0) continue;
      ignored.insert(key);  // networks, volumes, secrets, configs: not yet shoal's
    }
    const YAML::Node services = root["services"];
    if (!services || !services.IsMap() || services.size() == 0)
      return make_error(shown + ": no services: the file needs a services: map");
    for (const auto& kv : services) {
      const std::string key = kv.first.as<std::string>();
      Translator t(vars, shown, &ignored);
      auto args = t.service(key, kv.second);
      if (!args) return args.error();
      const std::string name = stack + "-" + key;
      std::vector<std::string> full{"--name", name, "--label", std::string(kNamespaceLabel) + "=" + stack};
      full.insert(full.end(), args->begin(), args->end());
      out.services.push_back({name, std::move(full)});
    }
  } catch (const YAML::Exception& e) {
    return make_error(shown + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  std::sort(out.services.begin(), out.services.end(),
            [](const ComposeService& a, const ComposeService& b) { return a.name < b.name; });
  out.ignored.assign(ignored.begin(), ignored.end());
  return out;
}

}  // namespace shoal::stack
