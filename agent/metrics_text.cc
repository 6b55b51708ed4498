#include "agent/metrics_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/result.h"

namespace shoal::metrics {

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {
  SHOAL_ASSERT(std::is_sorted(bounds_.begin(), bounds_.end()));
  SHOAL_ASSERT(std::adjacent_find(bounds_.begin(), bounds_.end()) == bounds_.end());
  for (double b : bounds_) SHOAL_ASSERT(std::isfinite(b));
}

void Histogram::observe(double value) {
  // Upper bounds are inclusive (le = "less or equal").
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  ++counts_[static_cast<std::size_t>(it - bounds_.begin())];
  ++count_;
  sum_ += value;
}

std::vector<double> latency_buckets_seconds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

namespace {

bool name_char(char c, bool first, bool colon_ok) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
  return alpha || (!first && c >= '0' && c <= '9');
}

bool valid_name(std::string_view name, bool colon_ok) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!name_char(name[i], i == 0, colon_ok)) return false;
  return true;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool valid_metric_name(std::string_view name) { return valid_name(name, true); }

bool valid_label_name(std::string_view name) { return valid_name(name, false) && name.substr(0, 2) != "__"; }

std::string escape_help(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_label_value(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);  // shortest round-trip form
  SHOAL_ASSERT(ec == std::errc());
  return std::string(buf, end);
}

void TextWriter::counter(std::string_view name, std::string_view help) {
  SHOAL_ASSERT(ends_with(name, "_total"));
  open(name, help, Kind::kCounter, "counter");
}

void TextWriter::gauge(std::string_view name, std::string_view help) { open(name, help, Kind::kGauge, "gauge"); }

void TextWriter::histogram(std::string_view name, std::string_view help) {
  open(name, help, Kind::kHistogram, "histogram");
}

void TextWriter::open(std::string_view name, std::string_view help, Kind kind, const char* type) {
  SHOAL_ASSERT(valid_metric_name(name));
  SHOAL_ASSERT(seen_.insert(std::string(name)).second);  // one family per name per document
  family_ = name;
  kind_ = kind;
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += escape_help(help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void TextWriter::write_series(std::string_view suffix, const Label* labels, std::size_t n, const Label* extra,
                              std::string_view value) {
  out_ += family_;
  out_ += suffix;
  if (n > 0 || extra) {
    out_ += '{';
    bool first = true;
    auto put = [&](const Label& l) {
      SHOAL_ASSERT(valid_label_name(l.name) && l.name != "le");
      if (!first) out_ += ',';
      first = false;
      out_ += l.name;
      out_ += "=\"";
      out_ += escape_label_value(l.value);
      out_ += '"';
    };
    for (std::size_t i = 0; i < n; ++i) put(labels[i]);
    if (extra) {
      if (!first) out_ += ',';
      out_ += extra->name;  // `le`, written by hist() only
      out_ += "=\"";
      out_ += extra->value;
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += value;
  out_ += '\n';
}

void TextWriter::scalar(std::string_view value, const Label* labels, std::size_t n) {
  SHOAL_ASSERT(kind_ == Kind::kCounter || kind_ == Kind::kGauge);
  write_series("", labels, n, nullptr, value);
}

void TextWriter::sample(std::uint64_t value, std::initializer_list<Label> labels) {
  scalar(std::to_string(value), labels.begin(), labels.size());
}

void TextWriter::sample(double value, std::initializer_list<Label> labels) {
  scalar(format_value(value), labels.begin(), labels.size());
}

void TextWriter::sample(std::uint64_t value, const std::vector<Label>& labels) {
  scalar(std::to_string(value), labels.data(), labels.size());
}

void TextWriter::hist(const Histogram& h, const Label* labels, std::size_t n) {
  SHOAL_ASSERT(kind_ == Kind::kHistogram);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.upper_bounds().size(); ++i) {
    cumulative += h.counts()[i];
    const std::string le = format_value(h.upper_bounds()[i]);
    const Label le_label{"le", le};
    write_series("_bucket", labels, n, &le_label, std::to_string(cumulative));
  }
  const Label inf{"le", "+Inf"};
  write_series("_bucket", labels, n, &inf, std::to_string(h.count()));
  write_series("_sum", labels, n, nullptr, format_value(h.sum()));
  write_series("_count", labels, n, nullptr, std::to_string(h.count()));
}

void TextWriter::sample(const Histogram& h, std::initializer_list<Label> labels) {
  hist(h, labels.begin(), labels.size());
}

void TextWriter::sample(const Histogram& h, const std::vector<Label>& labels) {
  hist(h, labels.data(), labels.size());
}

}  // namespace shoal::metrics
