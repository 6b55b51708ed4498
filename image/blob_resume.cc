#include "image/blob_resume.h"

#include <charconv>

namespace shoal::image {

BlobRequestPlan plan_blob_request(std::uint64_t partial_bytes, std::uint64_t expected_size) {
  // A partial file as long as the blob (or longer) means the last attempt wrote it all and then
  // failed verification, or the file is not ours: start over rather than ask for an empty range.
  if (partial_bytes >= expected_size) return BlobRequestPlan{partial_bytes > 0, 0};
  return BlobRequestPlan{false, partial_bytes};
}

std::optional<std::uint64_t> content_range_start(std::string_view header) {
  constexpr std::string_view kPrefix = "bytes ";
  if (header.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  header.remove_prefix(kPrefix.size());
  std::uint64_t start = 0;
  auto [ptr, ec] = std::from_chars(header.data(), header.data() + header.size(), start);
  if (ec != std::errc() || ptr == header.data() + header.size() || *ptr != '-') return std::nullopt;
  return start;
}

BlobResponseDecision accept_blob_response(std::uint64_t range_from, int status,
                                          std::optional<std::string_view> content_range) {
  if (status == 206) {
    std::optional<std::uint64_t> start =
        content_range ? content_range_start(*content_range) : std::nullopt;
    if (range_from > 0 && start && *start == range_from) {
      return BlobResponseDecision{BlobResponseAction::kAppend, range_from};
    }
    return BlobResponseDecision{BlobResponseAction::kRangeRejected, 0};
  }
  if (status == 416) return BlobResponseDecision{BlobResponseAction::kRangeRejected, 0};
  return BlobResponseDecision{BlobResponseAction::kRestart, 0};
}

}  // namespace shoal::image
