// A tiny JSON writer (no dependency): enough for `shoal state dump --format json` and the CLI's
// --format json output. Output is compact, keys in the order written; strings are escaped per
// RFC 8259 (control characters as \u00XX, bytes >= 0x80 passed through as UTF-8).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::crdt {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view v);
  JsonWriter& value(const char* v) { return value(std::string_view(v)); }
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(double v);  // NaN/inf written as null (JSON has no such numbers)
  JsonWriter& value(bool v);
  JsonWriter& null();

  const std::string& str() const { return out_; }

 private:
  void before_value();
  void write_string(std::string_view s);

  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace shoal::crdt
