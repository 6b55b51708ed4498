// Prometheus text exposition format (version 0.0.4), rendered from values the caller passes in.
// Pure: no clock, no I/O, no globals; the agent's metrics shell (agent/metrics_server.h) calls
// it on each scrape and the tests check its output byte for byte.
//
// The format, per https://prometheus.io/docs/instrumenting/exposition_formats/ :
//   # HELP name text        (text escapes \ and newline)
//   # TYPE name counter|gauge|histogram
//   name{label="value",...} 42      (label values escape \, " and newline)
// A histogram `x` is exposed as cumulative `x_bucket{le="..."}` lines ending with le="+Inf"
// (= the count), then `x_sum` and `x_count`.
//
// Names follow Prometheus' conventions, checked here so a bad name fails a test rather than a
// scrape: [a-zA-Z_:][a-zA-Z0-9_:]*, counters end in `_total`, label names do not start with `__`
// (reserved) and `le` is kept for histograms. A family is opened once; its samples follow it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::metrics {

struct Label {
  std::string_view name;
  std::string_view value;
};

// Observations bucketed by fixed upper bounds (ascending, finite). Counts are kept per bucket
// and made cumulative when rendered, so observe() is one search and one increment.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);

  void observe(double value);

  const std::vector<double>& upper_bounds() const { return bounds_; }
  // counts()[i]: observations in (bounds[i-1], bounds[i]]; the last entry is above every bound.
  const std::vector<std::uint64_t>& counts() const { return counts_; }
  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // bounds_.size() + 1
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

// Latency buckets in seconds for operations that take from about a millisecond to seconds
// (placement, an API verb): 0.5 ms .. 10 s, roughly x2.5 apart.
std::vector<double> latency_buckets_seconds();

// Whether `name` is a valid metric (or label, with label=true) name.
bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);

// Escapes for the two places text is quoted (exposed for the tests).
std::string escape_help(std::string_view text);
std::string escape_label_value(std::string_view text);
// A sample value: integers exactly, others in the shortest form that reads back the same;
// +Inf, -Inf, NaN spelled as the format wants.
std::string format_value(double value);

class TextWriter {
 public:
  // Each opens a family: its HELP and TYPE lines. Asserts (a programming error, not input) that
  // the name is valid, new in this document, and ends in _total for a counter.
  void counter(std::string_view name, std::string_view help);
  void gauge(std::string_view name, std::string_view help);
  void histogram(std::string_view name, std::string_view help);

  // One sample of the open counter or gauge family.
  void sample(std::uint64_t value, std::initializer_list<Label> labels = {});
  void sample(double value, std::initializer_list<Label> labels = {});
  void sample(std::uint64_t value, const std::vector<Label>& labels);
  // One labelled series of the open histogram family.
  void sample(const Histogram& h, std::initializer_list<Label> labels = {});
  void sample(const Histogram& h, const std::vector<Label>& labels);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  enum class Kind { kNone, kCounter, kGauge, kHistogram };
  void open(std::string_view name, std::string_view help, Kind kind, const char* type);
  void write_series(std::string_view suffix, const Label* labels, std::size_t n, const Label* extra,
                    std::string_view value);
  void scalar(std::string_view value, const Label* labels, std::size_t n);
  void hist(const Histogram& h, const Label* labels, std::size_t n);

  std::string out_;
  std::string family_;
  Kind kind_ = Kind::kNone;
  std::set<std::string, std::less<>> seen_;
};

// The media type Prometheus expects for this format.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace shoal::metrics
