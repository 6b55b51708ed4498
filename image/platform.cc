#include "image/platform.h"

#include <algorithm>
#include <cctype>

namespace shoal::image {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "v7" -> 7; 0 for anything else.
int arm_level(const std::string& variant) {
  if (variant.size() != 2 || variant[0] != 'v' || variant[1] < '5' || variant[1] > '8') return 0;
  return variant[1] - '0';
}

}  // namespace

std::string Platform::to_string() const {
  std::string out = os + "/" + architecture;
  if (!variant.empty()) out += "/" + variant;
  return out;
}

Platform host_platform() {
#if defined(__x86_64__)
  return {"linux", "amd64", ""};
#elif defined(__aarch64__)
  return {"linux", "arm64", "v8"};
#elif defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7
  return {"linux", "arm", "v7"};
#elif defined(__arm__)
  return {"linux", "arm", "v6"};
#elif defined(__i386__)
  return {"linux", "386", ""};
#elif defined(__riscv) && __riscv_xlen == 64
  return {"linux", "riscv64", ""};
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return {"linux", "ppc64le", ""};
#elif defined(__s390x__)
  return {"linux", "s390x", ""};
#else
#error "host_platform: add this architecture's GOARCH name"
#endif
}

Platform normalize_platform(Platform p) {
  p.os = lower(std::move(p.os));
  p.architecture = lower(std::move(p.architecture));
  p.variant = lower(std::move(p.variant));
  if (p.architecture == "x86_64" || p.architecture == "x86-64") p.architecture = "amd64";
  if (p.architecture == "aarch64") p.architecture = "arm64";
  if (p.architecture == "armhf") { p.architecture = "arm"; p.variant = "v7"; }
  if (p.architecture == "armel") { p.architecture = "arm"; p.variant = "v6"; }
  if (p.architecture == "i386" || p.architecture == "i686") p.architecture = "386";
  if (p.architecture == "arm64" && p.variant.empty()) p.variant = "v8";
  if (p.architecture == "arm" && p.variant.empty()) p.variant = "v7";
  if (p.architecture == "amd64" && p.variant == "v1") p.variant.clear();
  return p;
}

int platform_match_score(const Platform& node_in, const Platform& offered_in) {
  const Platform node = normalize_platform(node_in);
  const bool names_variant = !offered_in.variant.empty();
  const Platform offered = normalize_platform(offered_in);
  if (node.os != offered.os || node.architecture != offered.architecture) return 0;
  if (offered.variant == node.variant) return names_variant ? 100 : 90;
  // 32-bit ARM runs older variants (a v7 node runs v6 and v5 binaries), preferring the newest.
  if (node.architecture == "arm") {
    const int have = arm_level(node.variant);
    const int want = arm_level(offered.variant);
    if (want > 0 && want < have) return 50 + want;
  }
  // amd64 microarchitecture levels (v2, v3...) need CPU features shoal does not probe.
  return 0;
}

Result<std::size_t> select_platform(const Platform& node, const std::vector<Platform>& offered) {
  std::size_t best = offered.size();
  int best_score = 0;
  for (std::size_t i = 0; i < offered.size(); ++i) {
    const int score = platform_match_score(node, offered[i]);
    if (score > best_score) {
      best = i;
      best_score = score;
    }
  }
  if (best < offered.size()) return best;
  std::string list;
  for (const auto& p : offered) list += (list.empty() ? "" : ", ") + p.to_string();
  if (list.empty()) list = "none";
  return make_error("the image has no variant for this node's platform " +
                    normalize_platform(node).to_string() + "; it offers: " + list);
}

}  // namespace shoal::image
