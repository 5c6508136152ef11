// MySQL sink, no server: PostgreSQL array text -> JSON (pg_array.h), incl. malformed input.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "plugins/mysql/src/pg_array.h"
#include "plugins/mysql/src/type_map.h"

namespace wrmysql {
namespace {

using walrelay::mysql::array_element_kind;
using walrelay::mysql::array_to_json;
using walrelay::mysql::ArrayElement;

/// The JSON for `text`, or "ERROR: <message>".
std::string json(std::string_view text, ArrayElement kind = ArrayElement::String) {
  std::string out, error;
  if (!array_to_json(text, kind, out, error)) return "ERROR: " + error;
  return out;
}

TEST(mysql_pg_array, NumbersStayNumbersAndNullIsNull) {
  EXPECT_EQ(json("{1,2,NULL}", ArrayElement::Number), "[1,2,null]");
  EXPECT_EQ(json("{-1.5,0.25,1e+30,3.0E-7}", ArrayElement::Number), "[-1.5,0.25,1e+30,3.0E-7]");
  EXPECT_EQ(json("{}", ArrayElement::Number), "[]");
  // JSON has no NaN/Infinity: kept as strings rather than lost.
  EXPECT_EQ(json("{NaN,Infinity,-Infinity}", ArrayElement::Number),
            R"(["NaN","Infinity","-Infinity"])");
}

TEST(mysql_pg_array, BooleansBecomeTrueFalse) {
  EXPECT_EQ(json("{t,f,NULL}", ArrayElement::Bool), "[true,false,null]");
  EXPECT_EQ(json("{t,x}", ArrayElement::Bool).rfind("ERROR: ", 0), 0u);
}

TEST(mysql_pg_array, StringsWithQuotesEscapesAndTheWordNull) {
  EXPECT_EQ(json(R"({"a b","c\"d","e\\f",NULL,"NULL",plain})"),
            R"(["a b","c\"d","e\\f",null,"NULL","plain"])");
  EXPECT_EQ(json(R"({"",x})"), R"(["","x"])");
  EXPECT_EQ(json("{\"tab\there\",\"nl\nhere\"}"), R"(["tab\u0009here","nl\u000ahere"])");
  EXPECT_EQ(json("{\"z\xc3\xbc\xe2\x82\xac\"}"), "[\"z\xc3\xbc\xe2\x82\xac\"]");  // UTF-8 kept
  EXPECT_EQ(json("{1,2}", ArrayElement::String), R"(["1","2"])");
  EXPECT_EQ(json(R"({"1"})", ArrayElement::Number), R"(["1"])");  // quoted: not a number
}

TEST(mysql_pg_array, NestedArraysAndDimensionBounds) {
  EXPECT_EQ(json("{{1,2},{3,4}}", ArrayElement::Number), "[[1,2],[3,4]]");
  EXPECT_EQ(json("{{{1}},{{2}}}", ArrayElement::Number), "[[[1]],[[2]]]");
  EXPECT_EQ(json("[0:2]={7,8,9}", ArrayElement::Number), "[7,8,9]");
  EXPECT_EQ(json("[1:1][-2:-1]={{a,b}}"), R"([["a","b"]])");
  EXPECT_EQ(json(" { 1 , 2 } ", ArrayElement::Number), "[1,2]");
}

TEST(mysql_pg_array, MalformedInputIsAClearErrorNotACrash) {
  const char *const bad[] = {"",       "1,2",    "{1,2", "{1,2}}",          "{1,,2}",   "{\"ab}",
                             "{a\"b}", "{{1},2", "{1}x", "[1:2]{1,2}",      "[1:2={1}", "[a]={1}",
                             "{a\\",   "{\"a\\", "{,}",  "{{{{{{{1}}}}}}}", "}",        "{1 {2}}"};
  for (const char *t : bad) {
    const std::string r = json(t, ArrayElement::Number);
    EXPECT_EQ(r.rfind("ERROR: malformed array literal at byte ", 0), 0u) << t << " -> " << r;
  }
  EXPECT_EQ(json("{1,2", ArrayElement::Number),
            "ERROR: malformed array literal at byte 4: unterminated array (missing '}')");
  EXPECT_EQ(json("{{1},2}", ArrayElement::Number),
            "ERROR: malformed array literal at byte 5: sub-arrays mixed with elements");
  EXPECT_EQ(json("{{1,2},{3}}", ArrayElement::Number),
            "ERROR: malformed array literal at byte 9: sub-arrays of different lengths");
  EXPECT_EQ(json("{\"a\"b}"),
            "ERROR: malformed array literal at byte 4: expected ',' or '}', got 'b'");
}

TEST(mysql_pg_array, RandomInputNeverCrashesAndFailsWithAMessage) {
  // Deterministic pseudo-random strings over the characters that matter to the grammar.
  const std::string alphabet = "{}\",\\ []:=aN1.-tfUL";
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int ok = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const size_t len = next() % 24;
    if (next() % 2) text += '{';
    for (size_t j = 0; j < len; ++j) text += alphabet[next() % alphabet.size()];
    for (ArrayElement kind : {ArrayElement::Number, ArrayElement::Bool, ArrayElement::String}) {
      const std::string r = json(text, kind);
      if (r.rfind("ERROR: ", 0) == 0) {
        EXPECT_EQ(r.rfind("ERROR: malformed array literal at byte ", 0), 0u) << text;
      } else {
        ++ok;
        EXPECT_EQ(r.front(), '[') << text;
        EXPECT_EQ(r.back(), ']') << text;
      }
    }
  }
  EXPECT_GT(ok, 0);
}

TEST(mysql_pg_array, ArrayTypesAndTheirElementKinds) {
  ArrayElement k;
  ASSERT_TRUE(array_element_kind(1007, k));  // int4[]
  EXPECT_EQ(k, ArrayElement::Number);
  ASSERT_TRUE(array_element_kind(1231, k));  // numeric[]
  EXPECT_EQ(k, ArrayElement::Number);
  ASSERT_TRUE(array_element_kind(1000, k));  // bool[]
  EXPECT_EQ(k, ArrayElement::Bool);
  ASSERT_TRUE(array_element_kind(1009, k));  // text[]
  EXPECT_EQ(k, ArrayElement::String);
  EXPECT_FALSE(array_element_kind(23, k));    // int4
  EXPECT_FALSE(array_element_kind(1020, k));  // box[]: ';' delimited, stays text
  EXPECT_EQ(walrelay::mysql::map_type(1007, -1, false, false).decl, "JSON");
  EXPECT_EQ(walrelay::mysql::map_type(1009, -1, true, false).decl, "VARCHAR(255)");
}

TEST(mysql_pg_array, ConvertValueReportsMalformedArrays) {
  std::string scratch;
  std::string_view out;
  using walrelay::mysql::Conversion;
  using walrelay::mysql::ValueClass;
  EXPECT_EQ(walrelay::mysql::convert_value("{1,NULL}", ValueClass::ArrayNumber, scratch, out),
            Conversion::Ok);
  EXPECT_EQ(out, "[1,null]");
  EXPECT_EQ(walrelay::mysql::convert_value("{1", ValueClass::ArrayNumber, scratch, out),
            Conversion::Malformed);
  EXPECT_NE(walrelay::mysql::malformed_detail("{1", ValueClass::ArrayNumber).find("byte 2"),
            std::string::npos);
}

}  // namespace
}  // namespace wrmysql
