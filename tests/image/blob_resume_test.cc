#include "image/blob_resume.h"

#include <gtest/gtest.h>

namespace shoal::image {
namespace {

TEST(BlobResume, PlanTable) {
  struct Case {
    std::uint64_t partial, size;
    BlobRequestPlan want;
  };
  const std::vector<Case> cases = {
      {0, 100, {false, 0}},    // fresh download
      {40, 100, {false, 40}},  // resume from byte 40
      {99, 100, {false, 99}},
      {100, 100, {true, 0}},   // complete but unverified (it failed before): start over
      {150, 100, {true, 0}},   // longer than the blob: not ours
      {0, 0, {false, 0}},      // empty blob
  };
  for (const auto& c : cases) {
    EXPECT_EQ(plan_blob_request(c.partial, c.size), c.want) << c.partial << "/" << c.size;
  }
}

TEST(BlobResume, ContentRangeStart) {
  EXPECT_EQ(content_range_start("bytes 100-999/1000"), 100u);
  EXPECT_EQ(content_range_start("bytes 0-0/*"), 0u);
  EXPECT_EQ(content_range_start("bytes */1000"), std::nullopt);
  EXPECT_EQ(content_range_start("items 1-2/3"), std::nullopt);
  EXPECT_EQ(content_range_start("bytes 100"), std::nullopt);
  EXPECT_EQ(content_range_start(""), std::nullopt);
}

TEST(BlobResume, ResponseTable) {
  using A = BlobResponseAction;
  struct Case {
    std::uint64_t range_from;
    int status;
    std::optional<std::string_view> content_range;
    BlobResponseDecision want;
  };
  const std::vector<Case> cases = {
      {40, 206, "bytes 40-99/100", {A::kAppend, 40}},
      {40, 200, std::nullopt, {A::kRestart, 0}},  // server ignored Range: whole body
      {0, 200, std::nullopt, {A::kRestart, 0}},
      {40, 206, "bytes 0-99/100", {A::kRangeRejected, 0}},  // another range than asked
      {40, 206, std::nullopt, {A::kRangeRejected, 0}},
      {0, 206, "bytes 0-99/100", {A::kRangeRejected, 0}},  // a range we never asked for
      {40, 416, std::nullopt, {A::kRangeRejected, 0}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(accept_blob_response(c.range_from, c.status, c.content_range), c.want)
        << c.range_from << " " << c.status;
  }
}

}  // namespace
}  // namespace shoal::image
