#include "placement/constraint.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "placement/reason.h"

namespace shoal::placement {
namespace {

TEST(Constraint, ParsesEqualAndNotEqual) {
  Result<Constraint> eq = parse_constraint("node.labels.zone==b");
  ASSERT_TRUE(eq.ok()) << eq.message();
  EXPECT_EQ(eq->key, "zone");
  EXPECT_EQ(eq->op, ConstraintOp::kEq);
  EXPECT_EQ(eq->value, "b");
  Result<Constraint> ne = parse_constraint("node.labels.disk != hdd");
  ASSERT_TRUE(ne.ok()) << ne.message();
  EXPECT_EQ(ne->op, ConstraintOp::kNe);
  EXPECT_EQ(ne->value, "hdd");
}

TEST(Constraint, RejectsMalformedTextWithAHint) {
  EXPECT_NE(parse_constraint("zone=b").message().find("no == or !="), std::string::npos);
  EXPECT_NE(parse_constraint("node.zone==b").message().find("node.labels.KEY"), std::string::npos);
  EXPECT_NE(parse_constraint("node.labels.==b").message().find("node.labels.KEY"), std::string::npos);
  EXPECT_FALSE(parse_constraint("node.labels.a==b==c").ok());
  EXPECT_FALSE(parse_constraint("").ok());
}

TEST(Constraint, MissingLabelFailsEqualAndPassesNotEqual) {
  std::map<std::string, std::string> labels{{"zone", "a"}};
  EXPECT_TRUE(satisfies(labels, {"zone", ConstraintOp::kEq, "a"}));
  EXPECT_FALSE(satisfies(labels, {"zone", ConstraintOp::kEq, "b"}));
  EXPECT_FALSE(satisfies(labels, {"disk", ConstraintOp::kEq, "ssd"}));
  EXPECT_TRUE(satisfies(labels, {"disk", ConstraintOp::kNe, "ssd"}));
  EXPECT_FALSE(satisfies(labels, {"zone", ConstraintOp::kNe, "a"}));
}

RC_GTEST_PROP(Constraint, DescribeParsesBack, ()) {
  auto word = rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::elementOf(std::string("abcxyz09-_."))));
  Constraint c{*word, *rc::gen::element(ConstraintOp::kEq, ConstraintOp::kNe), *word};
  Result<Constraint> back = parse_constraint(describe(c));
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == c);
}

TEST(Reason, FormatsBytesAndCpu) {
  EXPECT_EQ(format_bytes(512ull << 20), "512MiB");
  EXPECT_EQ(format_bytes(1536ull << 20), "1.5GiB");
  EXPECT_EQ(format_bytes(100), "100B");
  EXPECT_EQ(format_cpu(1500), "1500m");
}

}  // namespace
}  // namespace shoal::placement
