#include "common/result.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <memory>
#include <string>
#include <type_traits>

namespace shoal {
namespace {

// An error that carries more than its message, as image/registry_error.h's does.
struct ParseError {
  int line = 0;
  std::string message;
};

static_assert(std::is_same_v<Result<int>, Result<int, Error>>, "Error stays the default");
static_assert(std::is_same_v<Status, Result<void, Error>>);

Result<int, ParseError> parse_digit(char c, int line) {
  if (c < '0' || c > '9') return ParseError{line, std::string("'") + c + "' is not a digit"};
  return c - '0';
}

Result<void, ParseError> check_line(const std::string& text, int line) {
  if (text.empty()) return ParseError{line, "empty line"};
  return {};
}

// Propagation as crdt/codec.cc's SHOAL_TRY does it: a failure returns the callee's error, its
// kind-like fields intact, from a function whose value type differs.
Result<int, ParseError> sum_line(const std::string& text, int line) {
  if (auto st = check_line(text, line); !st) return st.error();
  int sum = 0;
  for (char c : text) {
    auto d = parse_digit(c, line);
    if (!d) return d.error();
    sum += *d;
  }
  return sum;
}

TEST(Result, CustomErrorValue) {
  Result<int, ParseError> r = parse_digit('7', 1);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(r.value(), 7);
}

TEST(Result, CustomErrorKeepsItsFields) {
  Result<int, ParseError> r = parse_digit('x', 4);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error().line, 4);
  EXPECT_EQ(r.message(), "'x' is not a digit");
}

TEST(Result, VoidWithCustomError) {
  Result<void, ParseError> ok = check_line("1", 1);
  EXPECT_TRUE(ok.ok());
  Result<void, ParseError> bad = check_line("", 9);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().line, 9);
  EXPECT_EQ(bad.message(), "empty line");
}

TEST(Result, MoveOnlyValue) {
  Result<std::unique_ptr<std::string>, ParseError> r = std::make_unique<std::string>("held");
  ASSERT_TRUE(r);
  EXPECT_EQ(**r, "held");
  EXPECT_EQ(r->get()->size(), 4u);
  std::unique_ptr<std::string> taken = std::move(r).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, "held");

  Result<std::unique_ptr<std::string>, ParseError> failed = ParseError{2, "no value"};
  EXPECT_FALSE(failed);
  EXPECT_EQ(failed.error().line, 2);
}

TEST(Result, PropagatesTheCalleesError) {
  EXPECT_EQ(*sum_line("123", 1), 6);
  auto bad_digit = sum_line("1x3", 5);
  ASSERT_FALSE(bad_digit);
  EXPECT_EQ(bad_digit.error().line, 5);
  EXPECT_EQ(bad_digit.message(), "'x' is not a digit");
  auto empty = sum_line("", 6);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().line, 6);
  EXPECT_EQ(empty.message(), "empty line");
}

TEST(Result, DefaultErrorUnchanged) {
  Result<std::string> r = make_error("--memory: '12Q' is not a size");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.message(), "--memory: '12Q' is not a size");
  EXPECT_EQ(r.error().message, r.message());
  Status st;
  EXPECT_TRUE(st.ok());
  Status failed = make_error("no");
  EXPECT_EQ(failed.message(), "no");
}

// Law: a Result holds exactly what it was built from, value or error, whatever the error type.
RC_GTEST_PROP(Result, HoldsWhatItWasBuiltFrom, (int value, int line, const std::string& message)) {
  Result<int, ParseError> v = value;
  RC_ASSERT(v.ok());
  RC_ASSERT(*v == value);
  Result<int, ParseError> e = ParseError{line, message};
  RC_ASSERT(!e.ok());
  RC_ASSERT(e.error().line == line);
  RC_ASSERT(e.message() == message);
}

}  // namespace
}  // namespace shoal
