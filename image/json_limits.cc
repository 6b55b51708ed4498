#include "image/json_limits.h"

namespace shoal::image {
namespace {

using nlohmann::json;

// SAX handler that builds nothing and stops at the first bound exceeded.
class BoundsChecker : public nlohmann::json_sax<json> {
 public:
  explicit BoundsChecker(const JsonLimits& limits) : limits_(limits) {}

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t& s) override { return check_string(s) && value(); }
  bool binary(binary_t&) override { return fail("binary values are not JSON"); }
  bool start_object(std::size_t) override { return open(); }
  bool key(string_t& k) override { return check_string(k); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    return fail("is not valid JSON (byte " + std::to_string(position) + ")");
  }

  const std::string& error() const { return error_; }

 private:
  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }
  bool value() {
    if (!counts_.empty() && ++counts_.back() > limits_.max_elements) {
      return fail("has more than " + std::to_string(limits_.max_elements) +
                  " elements in one array or object");
    }
    return true;
  }
  bool open() {
    if (!value()) return false;
    if (counts_.size() >= limits_.max_depth) {
      return fail("nests deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    counts_.push_back(0);
    return true;
  }
  bool close() {
    SHOAL_ASSERT(!counts_.empty());
    counts_.pop_back();
    return true;
  }
  bool check_string(const std::string& s) {
    if (s.size() > limits_.max_string_bytes) {
      return fail("has a string of " + std::to_string(s.size()) + " bytes (at most " +
                  std::to_string(limits_.max_string_bytes) + ")");
    }
    return true;
  }

  const JsonLimits& limits_;
  std::vector<std::size_t> counts_;  // members seen per open container; its size is the depth
  std::string error_;
};

std::string type_error(const char* field, const char* want) {
  return std::string("'") + field + "' must be " + want;
}

}  // namespace

Result<json> parse_bounded_json(std::string_view text, std::string_view what,
                                const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return make_error(std::string(what) + " is " + std::to_string(text.size()) +
                      " bytes; at most " + std::to_string(limits.max_bytes) + " are accepted");
  }
  BoundsChecker checker(limits);
  const bool ok = json::sax_parse(text.begin(), text.end(), &checker);
  if (!ok) {
    return make_error(std::string(what) + " " +
                      (checker.error().empty() ? std::string("is not valid JSON") : checker.error()));
  }
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  // The checker accepted it, so the tree parser must too.
  SHOAL_ASSERT(!doc.is_discarded());
  if (!doc.is_object()) return make_error(std::string(what) + " is not a JSON object");
  return doc;
}

Result<std::string> json_string(const json& obj, const char* field, bool required) {
  const auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) {
    if (required) return make_error(std::string("'") + field + "' is missing");
    return std::string();
  }
  if (!it->is_string()) return make_error(type_error(field, "a string"));
  return it->get_ref<const std::string&>();
}

Result<std::uint64_t> json_uint(const json& obj, const char* field, bool required) {
  const auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) {
    if (required) return make_error(std::string("'") + field + "' is missing");
    return std::uint64_t{0};
  }
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer() && it->get<std::int64_t>() >= 0) {
    return static_cast<std::uint64_t>(it->get<std::int64_t>());
  }
  return make_error(type_error(field, "a non-negative integer"));
}

Result<std::int64_t> json_int(const json& obj, const char* field, bool required) {
  const auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) {
    if (required) return make_error(std::string("'") + field + "' is missing");
    return std::int64_t{0};
  }
  if (it->is_number_integer() && !(it->is_number_unsigned() &&
                                    it->get<std::uint64_t>() > INT64_MAX)) {
    return it->get<std::int64_t>();
  }
  return make_error(type_error(field, "an integer"));
}

Result<std::vector<std::string>> json_strings(const json& obj, const char* field) {
  std::vector<std::string> out;
  const auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array()) return make_error(type_error(field, "an array of strings"));
  for (const auto& e : *it) {
    if (!e.is_string()) return make_error(type_error(field, "an array of strings"));
    out.push_back(e.get_ref<const std::string&>());
  }
  return out;
}

Result<const json*> json_object(const json& obj, const char* field) {
  const auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return static_cast<const json*>(nullptr);
  if (!it->is_object()) return make_error(type_error(field, "an object"));
  return &*it;
}

Result<const json*> json_array(const json& obj, const char* field) {
  const auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return static_cast<const json*>(nullptr);
  if (!it->is_array()) return make_error(type_error(field, "an array"));
  return &*it;
}

}  // namespace shoal::image
