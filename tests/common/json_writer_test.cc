#include "common/json_writer.h"

#include <gtest/gtest.h>

namespace shoal {

TEST(JsonWriter, NestedWithCommasAndEscapes) {
  JsonWriter j;
  j.begin_array();
  j.begin_object().field("name", "a\"b\n").field("n", 3).key("labels").begin_object()
      .field("zone", "x").end_object().field("ok", true).end_object();
  j.begin_object().end_object();
  j.end_array();
  EXPECT_EQ(j.str(), R"([{"name":"a\"b\n","n":3,"labels":{"zone":"x"},"ok":true},{}])");
}

TEST(JsonWriter, ControlCharactersEscaped) {
  EXPECT_EQ(json_escape(std::string("\x01", 1)), "\"\\u0001\"");
}

TEST(JsonWriter, NestsAndSeparatesNull) {
  JsonWriter w;
  w.begin_object().key("a").value(std::uint64_t{1}).key("b").begin_array();
  w.value("x").value(true).null().begin_object().end_object().end_array().end_object();
  EXPECT_EQ(w.str(), R"({"a":1,"b":["x",true,null,{}]})");
}

TEST(JsonWriter, EscapesStrings) {
  JsonWriter w;
  w.value(std::string_view("q\"b\\n\n\x01\xc3\xa9", 9));
  EXPECT_EQ(w.str(), "\"q\\\"b\\\\n\\n\\u0001\xc3\xa9\"");
}

TEST(JsonWriter, NonFiniteNumbersBecomeNull) {
  JsonWriter w;
  w.begin_array().value(0.25).value(1.0 / 0.0).end_array();
  EXPECT_EQ(w.str(), "[0.25,null]");
}

}  // namespace shoal
