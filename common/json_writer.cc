#include "common/json_writer.h"

#include <cmath>
#include <cstdio>

namespace shoal {

std::string json_escape(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

void JsonWriter::comma() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::open(char c) {
  comma();
  out_ += c;
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::close(char c) {
  out_ += c;
  if (!first_.empty()) first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  comma();
  out_ += json_escape(k);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view v) { comma(); raw(json_escape(v)); return *this; }
JsonWriter& JsonWriter::value(std::uint64_t v) { comma(); raw(std::to_string(v)); return *this; }
JsonWriter& JsonWriter::value(std::int64_t v) { comma(); raw(std::to_string(v)); return *this; }
JsonWriter& JsonWriter::value(bool v) { comma(); raw(v ? "true" : "false"); return *this; }
JsonWriter& JsonWriter::null() { comma(); raw("null"); return *this; }
JsonWriter& JsonWriter::value(double v) {
  if (!std::isfinite(v)) return null();  // JSON has no NaN or infinity
  comma();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  raw(buf);
  return *this;
}

}  // namespace shoal
