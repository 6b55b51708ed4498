// Docker-style object IDs for shoal's objects (Docker Engine API subset, docs/docker-api.md).
// Docker clients expect 64 lowercase hex characters per object and accept any unique prefix.
// shoal's objects are named, not numbered, so an ID is a hash of what identifies the object:
// every node computes the same ID for the same object without coordinating, and the ID stays
// the same across restarts. Pure: no state, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shoal {

// sha256(kind + "\0" + identity) in hex. `kind` ("service", "node", "task") keeps objects of
// different kinds apart even when their identities are spelled alike.
std::string docker_id(std::string_view kind, std::string_view identity);

// One object a reference may name: its ID and its name ("" when it has none).
struct DockerIdCandidate {
  std::string id;
  std::string name;
};

// Docker's lookup order: a full ID, then an exact name, then a unique ID prefix. Returns the
// index of the match in `candidates`; "not found" and "ambiguous" are distinct messages (the
// routes answer 404 for the first and 400 for the second, as dockerd does).
struct DockerIdLookup {
  enum Outcome { kFound, kNotFound, kAmbiguous } outcome = kNotFound;
  std::size_t index = 0;
};
DockerIdLookup find_by_id_or_name(const std::vector<DockerIdCandidate>& candidates, std::string_view ref);

}  // namespace shoal
