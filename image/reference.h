// Image references as Docker parses them: `[registry[:port]/]path[:tag][@sha256:<hex>]`.
//
// Normalisation (what `docker pull NAME` does, with one shoal difference):
// - The first '/'-separated component is the registry only if it contains '.' or ':', is
//   `localhost`, or has an uppercase letter (Docker's rule: path components are lowercase, so
//   such a component can only be a host). Otherwise the whole name is a path on the default
//   registry.
// - shoal's default registry is a parameter (the agent's `--registry-mirror`), not docker.io:
//   an edge site cannot assume the internet. When the registry is docker.io (given or default),
//   Docker's rules apply: `index.docker.io` means `docker.io`, and a one-component path gets
//   `library/` (`busybox` -> `docker.io/library/busybox`).
// - No tag and no digest means the tag `latest`; with a digest and no tag there is no tag.
//
// Pure: no I/O; every error says which part of the input is wrong and what is allowed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "image/digest.h"

namespace shoal::image {

inline constexpr std::string_view kDockerHubRegistry = "docker.io";
inline constexpr std::string_view kDefaultTag = "latest";

// Docker's limits: the full name (registry + '/' + path) is at most 255 characters (the
// registry's own limit on repository names), a tag at most 128.
inline constexpr std::size_t kMaxNameLength = 255;
inline constexpr std::size_t kMaxTagLength = 128;
// Bound on the whole input before any parsing: name + ':' + tag + '@sha256:' + 64 hex, with
// slack. Longer text is rejected without being scanned.
inline constexpr std::size_t kMaxReferenceLength = 512;

struct Reference {
  std::string registry;           // "127.0.0.1:5000", "docker.io"; never empty
  std::string path;               // "library/busybox", "team/web"; lowercase components
  std::string tag;                // "latest" when none was given; empty only with a digest
  std::optional<Digest> digest;   // set for `...@sha256:...` (a pinned reference)

  // registry/path: the repository, as the Distribution API addresses it.
  std::string name() const { return registry + "/" + path; }
  // Every part spelled out: "docker.io/library/busybox:latest", "r:5000/a@sha256:...".
  std::string canonical_string() const;
  // What a user types: the default registry and Docker Hub's `library/` are left out
  // ("busybox:latest" when the default registry is docker.io; "web:1" when it is r:5000).
  std::string familiar_string(std::string_view default_registry) const;
  // The same image pinned to `d` (keeps the tag for display, as Swarm's `IMAGE:tag@sha256:`).
  Reference with_digest(const Digest& d) const;

  bool operator==(const Reference&) const = default;
};

// Parses `text` as `docker pull` would, with `default_registry` for names that carry none.
// `default_registry` must itself be a valid registry (asserted: it is configuration, checked
// by validate_registry when the flag is parsed). An empty default means "none configured":
// names without a registry are then an error that says how to name one.
Result<Reference> parse_reference(std::string_view text, std::string_view default_registry);

// Checks a registry host[:port] (e.g. a --registry-mirror value): DNS labels, IPv4, or a
// bracketed IPv6 address, optional numeric port.
Status validate_registry(std::string_view registry);

}  // namespace shoal::image
