// When to retry a registry request, as a pure function: (attempt, last error) -> delay or give
// up. The client sleeps; the policy only decides, so it is tested from a table.
//
// Retried: transient failures only, i.e. kUnreachable (connect refused, timeouts, a connection
// cut mid-body), kServerError (408/429/5xx answers) and kDigestMismatch of a blob (a corrupting proxy or a
// torn write on the registry's side may not repeat; the partial file is discarded first).
// Never retried: 401/403 (kAuthFailed: the client's auth dance already retried once with fresh
// credentials; more attempts only lock accounts), 404 (kNotFound), kTooLarge, kBadResponse and
// kLocalIo: repeating them gives the same answer.
#pragma once

#include <cstdint>
#include <optional>

#include "image/registry_error.h"

namespace shoal::image {

struct RetryConfig {
  // Attempts in total, the first included. 4 = 1 + 3 retries: with the defaults below a pull
  // rides out ~3.5 s of registry restart (0.5 + 1 + 2) and gives up well inside a minute, so a
  // task's `preparing` reason turns into an error the user sees instead of a long silence.
  std::uint32_t max_attempts = 4;
  // Delay before the first retry; each later retry doubles it (exponential backoff, so many
  // nodes retrying one registry back off instead of hammering it). 500 ms: a registry restart
  // takes about that long.
  std::uint32_t initial_delay_ms = 500;
  // Cap on one delay. 8 s: longer waits give the user no answer while gaining little.
  std::uint32_t max_delay_ms = 8000;
};

struct RetryDecision {
  bool retry = false;
  std::uint32_t delay_ms = 0;  // when retry: wait this long before the next attempt
  bool operator==(const RetryDecision&) const = default;
};

// `attempt` is the number of the attempt that just failed (1 = the first).
RetryDecision decide_retry(const RetryConfig& config, std::uint32_t attempt,
                           RegistryErrorKind last_error);

}  // namespace shoal::image
