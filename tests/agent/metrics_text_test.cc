// The Prometheus text writer: exact output, escaping, histogram buckets (cumulative, +Inf =
// count), value spelling, and the name rules it enforces.
#include "agent/metrics_text.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <limits>

namespace shoal::metrics {
namespace {

TEST(MetricsText, CounterAndGaugeFamilies) {
  TextWriter w;
  w.counter("shoal_probes_total", "Probes sent.");
  w.sample(std::uint64_t{42});
  w.gauge("shoal_members", "Members by status.");
  w.sample(std::uint64_t{3}, {{"status", "alive"}});
  w.sample(std::uint64_t{0}, {{"status", "left"}, {"zone", "a"}});
  EXPECT_EQ(w.text(),
            "# HELP shoal_probes_total Probes sent.\n"
            "# TYPE shoal_probes_total counter\n"
            "shoal_probes_total 42\n"
            "# HELP shoal_members Members by status.\n"
            "# TYPE shoal_members gauge\n"
            "shoal_members{status=\"alive\"} 3\n"
            "shoal_members{status=\"left\",zone=\"a\"} 0\n");
}

TEST(MetricsText, EscapesHelpAndLabelValues) {
  EXPECT_EQ(escape_help("a\\b\nc\"d"), "a\\\\b\\nc\"d");  // quotes stay in HELP
  EXPECT_EQ(escape_label_value("a\\b\nc\"d"), "a\\\\b\\nc\\\"d");
  TextWriter w;
  w.gauge("g", "line one\nline \\two");
  w.sample(std::uint64_t{1}, {{"name", "say \"hi\"\n"}});
  EXPECT_EQ(w.text(),
            "# HELP g line one\\nline \\\\two\n"
            "# TYPE g gauge\n"
            "g{name=\"say \\\"hi\\\"\\n\"} 1\n");
}

TEST(MetricsText, HistogramBucketsAreCumulativeAndEndWithInf) {
  Histogram h({0.1, 1, 10});
  h.observe(0.05);
  h.observe(0.1);  // bounds are inclusive: le="0.1"
  h.observe(0.5);
  h.observe(100);  // above every bound: only +Inf
  TextWriter w;
  w.histogram("shoal_x_seconds", "X.");
  w.sample(h, {{"verb", "members"}});
  EXPECT_EQ(w.text(),
            "# HELP shoal_x_seconds X.\n"
            "# TYPE shoal_x_seconds histogram\n"
            "shoal_x_seconds_bucket{verb=\"members\",le=\"0.1\"} 2\n"
            "shoal_x_seconds_bucket{verb=\"members\",le=\"1\"} 3\n"
            "shoal_x_seconds_bucket{verb=\"members\",le=\"10\"} 3\n"
            "shoal_x_seconds_bucket{verb=\"members\",le=\"+Inf\"} 4\n"
            "shoal_x_seconds_sum{verb=\"members\"} 100.65\n"
            "shoal_x_seconds_count{verb=\"members\"} 4\n");
}

TEST(MetricsText, EmptyHistogramWithoutLabels) {
  Histogram h({1});
  TextWriter w;
  w.histogram("h", "H.");
  w.sample(h);
  EXPECT_EQ(w.text(), "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n");
}

RC_GTEST_PROP(MetricsText, BucketsNeverDecreaseAndInfIsTheCount, ()) {
  const auto values = *rc::gen::container<std::vector<double>>(rc::gen::map(
      rc::gen::inRange(0, 2'000'000), [](int v) { return v / 100'000.0; }));
  Histogram h(latency_buckets_seconds());
  for (double v : values) h.observe(v);
  std::uint64_t cumulative = 0, previous = 0;
  for (std::size_t i = 0; i < h.upper_bounds().size(); ++i) {
    cumulative += h.counts()[i];
    RC_ASSERT(cumulative >= previous);
    std::uint64_t at_most = 0;  // the bucket's definition: observations <= its bound
    for (double v : values) at_most += v <= h.upper_bounds()[i];
    RC_ASSERT(cumulative == at_most);
    previous = cumulative;
  }
  RC_ASSERT(cumulative + h.counts().back() == values.size());
  RC_ASSERT(h.count() == values.size());
}

TEST(MetricsText, ValuesAreSpelledAsTheFormatWants) {
  EXPECT_EQ(format_value(3), "3");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1e-9), "1e-09");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
  TextWriter w;
  w.gauge("g", "G.");
  w.sample(std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(w.text(), "# HELP g G.\n# TYPE g gauge\ng 18446744073709551615\n");
}

TEST(MetricsText, NameRules) {
  EXPECT_TRUE(valid_metric_name("shoal_members"));
  EXPECT_TRUE(valid_metric_name("a:b_c9"));
  EXPECT_FALSE(valid_metric_name("9lives"));
  EXPECT_FALSE(valid_metric_name("shoal-members"));
  EXPECT_FALSE(valid_metric_name(""));
  EXPECT_TRUE(valid_label_name("status"));
  EXPECT_FALSE(valid_label_name("__name__"));  // reserved
  EXPECT_FALSE(valid_label_name("a:b"));       // colons are for metric names only
}

TEST(MetricsTextDeathTest, ProgrammingErrorsCrashLoudly) {
  EXPECT_DEATH({ TextWriter w; w.counter("shoal_probes", "no _total"); }, "assertion failed");
  EXPECT_DEATH(
      {
        TextWriter w;
        w.gauge("g", "G.");
        w.gauge("g", "twice");
      },
      "assertion failed");
  EXPECT_DEATH(
      {
        TextWriter w;
        w.gauge("g", "G.");
        w.sample(std::uint64_t{1}, {{"le", "1"}});
      },
      "assertion failed");
  EXPECT_DEATH({ Histogram h({2, 1}); }, "assertion failed");
}

}  // namespace
}  // namespace shoal::metrics
