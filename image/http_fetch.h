// One HTTP request over libcurl: the I/O shell under the registry client. It knows nothing of
// registries: it sends a request, collects the status and headers, and streams a 2xx body to a
// sink (a string with a bound, or a file writer). Non-2xx bodies are kept only up to a small
// bound (for error details). Transport failures come back classified (connect/timeout/cut ->
// kUnreachable, sink refused -> kLocalIo / kTooLarge) so the retry policy can decide.
//
// TLS: the system CA store unless `ca_file` is set; `skip_tls_verify` turns verification off
// (per-registry `insecure`). Redirects are followed (blob GETs are often redirected to object
// storage); curl drops the Authorization header when a redirect leaves the host.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "image/registry_error.h"

namespace shoal::image {

struct HttpTransportOptions {
  // Verify the server's certificate against `ca_file` (PEM bundle) instead of the system store.
  std::string ca_file;
  // Do not verify the certificate or host name (per-registry `insecure`). Default false.
  bool skip_tls_verify = false;
  // Connect (TCP + TLS handshake) must finish within this. 10 s: long enough for a slow WAN
  // link, short enough that an unreachable registry becomes an error the user sees quickly.
  std::uint32_t connect_timeout_ms = 10'000;
  // A transfer that moves fewer than 1 byte/s for this long is cut (a stalled registry). 30 s,
  // not a total timeout: a large layer on a slow link may take many minutes and is fine.
  std::uint32_t stall_timeout_ms = 30'000;
  // Receive at most this many bytes per second; 0 = unlimited (default). A knob for sites that
  // must not saturate their uplink; tests use it to make a pull slow enough to interrupt.
  std::uint64_t max_recv_bytes_per_s = 0;
};

struct HttpRequest {
  std::string method = "GET";        // "GET" or "HEAD"
  std::string url;
  std::vector<std::string> headers;  // "Name: value" lines (may hold secrets: never logged)
  std::uint64_t range_from = 0;      // > 0: ask for bytes [range_from, end) (resume)
  // A 2xx body longer than this is refused: at once when its Content-Length says so (before
  // any of it is read), else when the running total passes it. Always set it from what the
  // caller can accept (manifest bound, blob size).
  std::uint64_t max_body_bytes = 0;
};

// Receives a 2xx body chunk by chunk; returning an error aborts the transfer with it.
using BodySink = std::function<RegistryStatus(const char* data, std::size_t len)>;

struct HttpResponse;
// Called once with the status and headers before the first byte of a 2xx body reaches the
// sink (so the sink can be prepared, e.g. a resumed file truncated when the Range was ignored).
using HeadHook = std::function<RegistryStatus(const HttpResponse& head)>;

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; last response of redirects
  std::string error_body;                      // first kMaxErrorBodyBytes of a non-2xx body

  const std::string* header(const std::string& lower_name) const;
};

// A non-2xx body is kept up to this for error details (the registry's JSON error).
inline constexpr std::size_t kMaxErrorBodyBytes = 4096;

// Sends `request`; a 2xx body goes to `sink` (nullptr: discarded). `site` names the failure.
Result<HttpResponse, RegistryError> http_fetch(const HttpTransportOptions& options,
                                               const HttpRequest& request, const BodySink& sink,
                                               const ErrorSite& site, const HeadHook& on_head = {});

// Percent-encodes a query parameter value.
std::string url_escape(std::string_view text);

// A sink that appends to `out` and refuses more than `max_bytes` in total.
BodySink string_sink(std::string* out);

}  // namespace shoal::image
