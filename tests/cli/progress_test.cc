#include "cli/progress.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal {
namespace {

TEST(Progress, ReadsTheAgentsAnswer) {
  auto p = parse_progress(
      R"({"service":"web","version":3,"desired":5,"ready":2,"pending":1,"phase":"updating","message":"no node has \"zone\""})");
  ASSERT_TRUE(p.ok()) << p.message();
  EXPECT_EQ(p->service, "web");
  EXPECT_FALSE(p->removed);
  EXPECT_EQ(p->version, 3u);
  EXPECT_EQ(p->desired, 5u);
  EXPECT_EQ(p->ready, 2u);
  EXPECT_EQ(p->pending, 1u);
  EXPECT_EQ(p->phase, "updating");
  EXPECT_EQ(p->message, "no node has \"zone\"");  // escapes decoded, not cut at the quote
}

TEST(Progress, RemovedService) {
  auto p = parse_progress(R"({"service":"web","removed":true})");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->removed);
}

// A field searched as text used to match inside a string value ("message":"... \"ready\":9").
TEST(Progress, FieldNamesInsideStringsAreNotFields) {
  auto p = parse_progress(
      R"({"service":"web","message":"\"ready\":9","version":1,"desired":2,"ready":0,"pending":0,"phase":"converging"})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ready, 0u);
}

TEST(Progress, MissingOrMistypedFieldsAreNamed) {
  auto missing = parse_progress(R"({"service":"web","version":1})");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("desired"), std::string::npos);
  auto mistyped = parse_progress(
      R"({"service":"web","version":"1","desired":2,"ready":0,"pending":0,"phase":"x","message":""})");
  ASSERT_FALSE(mistyped.ok());
  EXPECT_NE(mistyped.message().find("version"), std::string::npos);
  EXPECT_FALSE(parse_progress("").ok());
  EXPECT_FALSE(parse_progress("[1,2]").ok());
  EXPECT_FALSE(parse_progress(std::string(70'000, ' ')).ok());
}

// Untrusted bytes never crash the parser: any string is an answer or an error.
RC_GTEST_PROP(ProgressProperty, AnyTextIsAValueOrAnError, (const std::string& text)) {
  auto p = parse_progress(text);
  RC_ASSERT(p.ok() || !p.message().empty());
}

}  // namespace
}  // namespace shoal
