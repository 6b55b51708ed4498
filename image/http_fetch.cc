#include "image/http_fetch.h"

#include <curl/curl.h>

#include <cctype>
#include <charconv>
#include <memory>
#include <mutex>
#include <optional>

namespace shoal::image {
namespace {

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { SHOAL_ASSERT(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK); });
}

struct Transfer {
  const BodySink* sink = nullptr;
  const HeadHook* on_head = nullptr;
  const HttpRequest* request = nullptr;
  const ErrorSite* site = nullptr;
  bool head_seen = false;
  bool error_body_cut = false;  // a non-2xx body passed kMaxErrorBodyBytes: transfer stopped
  std::uint64_t body_bytes = 0;
  HttpResponse response;
  std::optional<RegistryError> sink_error;  // why the write callback aborted
  CURL* curl = nullptr;
};

int current_status(CURL* curl) {
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  return static_cast<int>(code);
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * n);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) {
    t->response.headers.clear();  // a new response (after a redirect or 100-continue)
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos) return size * n;
  std::string name = line.substr(0, colon);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::size_t v = colon + 1;
  while (v < line.size() && (line[v] == ' ' || line[v] == '\t')) ++v;
  // Bounded: a server cannot grow the header map without limit (64 headers of 8 KiB).
  if (t->response.headers.size() < 64 && line.size() - v <= 8192) {
    t->response.headers[name] = line.substr(v);
  }
  return size * n;
}

std::size_t abort_with(Transfer& t, RegistryError error) {
  t.sink_error = std::move(error);
  return 0;  // makes curl abort with CURLE_WRITE_ERROR
}

RegistryError too_large(const Transfer& t) {
  return make_registry_error(RegistryErrorKind::kTooLarge, *t.site, t.response.status,
                             "the body is larger than the " +
                                 std::to_string(t.request->max_body_bytes) +
                                 " bytes expected; refused");
}

// First 2xx body byte: refuse by Content-Length before reading on, then let the caller prepare.
RegistryStatus check_head(const Transfer& t) {
  if (const std::string* cl = t.response.header("content-length")) {
    std::uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), n);
    if (ec == std::errc() && n > t.request->max_body_bytes) return too_large(t);
  }
  if (t.on_head != nullptr && *t.on_head) return (*t.on_head)(t.response);
  return {};
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t len = size * n;
  int status = current_status(t->curl);
  if (status < 200 || status >= 300) {
    std::size_t room = kMaxErrorBodyBytes - t->response.error_body.size();
    t->response.error_body.append(data, std::min(room, len));
    if (len > room) {
      // The error's status is known and its body is only a detail: stop reading instead of
      // draining a hostile or huge error body.
      t->error_body_cut = true;
      return 0;
    }
    return len;
  }
  if (!t->head_seen) {
    t->head_seen = true;
    t->response.status = status;
    auto st = check_head(*t);
    if (!st) return abort_with(*t, st.error());
  }
  t->body_bytes += len;
  if (t->body_bytes > t->request->max_body_bytes) {
    return abort_with(*t, too_large(*t));
  }
  if (t->sink == nullptr || !*t->sink) return len;
  auto st = (*t->sink)(data, len);
  if (!st) return abort_with(*t, st.error());
  return len;
}

RegistryError transport_error(CURLcode code, const char* errbuf, const ErrorSite& site) {
  std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code);
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return make_registry_error(
          RegistryErrorKind::kUnreachable, site, 0,
          detail + "; if the registry uses a private CA, give its CA file in the registry's "
                   "options (or mark the registry insecure)");
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return make_registry_error(RegistryErrorKind::kUnreachable, site, 0, detail);
    default:
      return make_registry_error(RegistryErrorKind::kBadResponse, site, 0, detail);
  }
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

const std::string* HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? nullptr : &it->second;
}

Result<HttpResponse, RegistryError> http_fetch(const HttpTransportOptions& options,
                                               const HttpRequest& request, const BodySink& sink,
                                               const ErrorSite& site, const HeadHook& on_head) {
  global_init_once();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  SHOAL_ASSERT(curl != nullptr);
  curl_slist* list = nullptr;
  for (const auto& h : request.headers) {
    list = curl_slist_append(list, h.c_str());  // returns the list's head
    SHOAL_ASSERT(list != nullptr);
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers(list);
  Transfer t;
  t.sink = &sink;
  t.on_head = &on_head;
  t.request = &request;
  t.site = &site;
  t.curl = curl.get();
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_ms));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(std::max<std::uint32_t>(1, options.stall_timeout_ms / 1000)));
  if (options.max_recv_bytes_per_s > 0) {
    curl_easy_setopt(c, CURLOPT_MAX_RECV_SPEED_LARGE,
                     static_cast<curl_off_t>(options.max_recv_bytes_per_s));
  }
  if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  if (options.skip_tls_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    SHOAL_ASSERT(request.method == "GET");
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  }
  std::string range;
  if (request.range_from > 0) {
    range = std::to_string(request.range_from) + "-";
    curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
  }
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);

  CURLcode rc = curl_easy_perform(c);
  if (t.sink_error) return *t.sink_error;
  if (rc != CURLE_OK && !t.error_body_cut) return transport_error(rc, errbuf, site);
  t.response.status = current_status(c);
  if (!t.head_seen && t.response.status >= 200 && t.response.status < 300) {
    // An empty 2xx body (HEAD, or a zero-byte blob): the head hook still runs once.
    t.head_seen = true;
    if (request.method != "HEAD" && t.on_head != nullptr && *t.on_head) {
      auto st = (*t.on_head)(t.response);
      if (!st) return st.error();
    }
  }
  return std::move(t.response);
}

std::string url_escape(std::string_view text) {
  global_init_once();
  char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  SHOAL_ASSERT(escaped != nullptr);
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

BodySink string_sink(std::string* out) {
  return [out](const char* data, std::size_t len) -> RegistryStatus {
    out->append(data, len);
    return {};
  };
}

}  // namespace shoal::image
