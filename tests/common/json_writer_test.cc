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

}  // namespace shoal
