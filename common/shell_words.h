// A command line as one string split into words as a shell would: quotes group words, no
// expansion, no escapes (docker's --entrypoint, compose's string `command`).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace shoal {

// `what` names the value in errors ("--entrypoint: unterminated quote in ...").
Result<std::vector<std::string>> split_words(const std::string& what, const std::string& text);

// The inverse for words split_words can give back: each word quoted when it needs to be.
// Fails for a word holding both kinds of quote (split_words has no escapes).
Result<std::string> join_words(const std::vector<std::string>& words);

}  // namespace shoal
