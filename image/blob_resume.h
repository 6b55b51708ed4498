// Resuming a blob download from a partial file, as pure decisions:
//   before a request: plan_blob_request(partial_bytes, expected_size) -> ask from byte N, or
//     discard the partial file (it is longer than the blob can be);
//   after the answer's headers: accept_blob_response(...) -> append to the partial file,
//     rewrite it from zero (the server ignored the Range and sent everything), or fail.
// A partial file is only ever a prefix candidate: the final SHA-256 over the whole file decides
// whether the blob is used, so a partial file with wrong bytes costs one retry, never a bad blob.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shoal::image {

struct BlobRequestPlan {
  bool discard_partial = false;  // truncate the partial file before requesting
  std::uint64_t range_from = 0;  // 0: the whole blob; > 0: "Range: bytes=N-"
  bool operator==(const BlobRequestPlan&) const = default;
};

BlobRequestPlan plan_blob_request(std::uint64_t partial_bytes, std::uint64_t expected_size);

enum class BlobResponseAction {
  kAppend,         // 206 starting at range_from: append to the partial file
  kRestart,        // 200 (whole blob): truncate the partial file and write from zero
  kRangeRejected,  // 416, or a 206 for another range: discard the partial file and retry
};

struct BlobResponseDecision {
  BlobResponseAction action = BlobResponseAction::kRestart;
  std::uint64_t write_offset = 0;  // where the body's first byte goes in the file
  bool operator==(const BlobResponseDecision&) const = default;
};

// `status` is the final HTTP status (2xx or 416; other statuses are errors handled before);
// `content_range` the Content-Range header if any.
BlobResponseDecision accept_blob_response(std::uint64_t range_from, int status,
                                          std::optional<std::string_view> content_range);

// "bytes 100-999/1000" -> 100; nullopt when malformed or not a byte range.
std::optional<std::uint64_t> content_range_start(std::string_view header);

}  // namespace shoal::image
